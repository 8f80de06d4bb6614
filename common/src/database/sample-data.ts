// Exactly the sample data of docs/API.md. Fixed ids keep examples and tests reproducible.
import type { Database } from './database.ts';
import { Department, Points, User } from './entities.ts';

const departments = [
  {
    id: 'd1000000-0000-4000-8000-000000000001',
    name: 'Human Resources',
    address: '123 Main St, Springfield',
  },
  {
    id: 'd1000000-0000-4000-8000-000000000002',
    name: 'Finance',
    address: '456 Elm St, Springfield',
  },
  {
    id: 'd1000000-0000-4000-8000-000000000003',
    name: 'IT Support',
    address: '789 Oak St, Springfield',
  },
];

const [hr, finance, it] = departments.map((department) => department.id);

// name, email, department, age, salary, points
const users: [string, string, string | undefined, number, number, number][] = [
  ['Alice Johnson', 'alice.johnson@example.com', hr, 30, 60000, 23],
  ['Bob Smith', 'bob.smith@example.com', hr, 28, 55000, 43],
  ['Charlie Brown', 'charlie.brown@example.com', hr, 35, 70000, 28],
  ['Diana Prince', 'diana.prince@example.com', finance, 32, 80000, 83],
  ['Ethan Hunt', 'ethan.hunt@example.com', finance, 29, 75000, 13],
  ['Fiona Gallagher', 'fiona.gallagher@example.com', finance, 27, 52000, 33],
  ['George Costanza', 'george.costanza@example.com', it, 40, 90000, 93],
  ['Hannah Baker', 'hannah.baker@example.com', it, 22, 48000, 13],
  ['Ian Malcolm', 'ian.malcolm@example.com', it, 38, 85000, 73],
];

const userId = (index: number) => `a1000000-0000-4000-8000-00000000000${index + 1}`;
const pointsId = (index: number) => `b1000000-0000-4000-8000-00000000000${index + 1}`;

export const sampleUserIds = Object.fromEntries(
  users.map(([name], index) => [name, userId(index)]),
);

/** Loads the sample data into an empty database; otherwise returns false. */
export async function seedSampleData(database: Database): Promise<boolean> {
  const em = database.em();
  return em.transactional(async (tx) => {
    const existing = (await tx.count(Department)) + (await tx.count(User));
    if (existing > 0) return false;
    await tx.insertMany(Department, departments);
    await tx.insertMany(
      User,
      users.map(([name, email, departmentId, age, salary], index) => ({
        id: userId(index),
        name,
        email,
        departmentId: departmentId ?? null,
        age,
        salary,
      })),
    );
    await tx.insertMany(
      Points,
      users.map(([, , , , , points], index) => ({
        id: pointsId(index),
        userId: userId(index),
        points,
      })),
    );
    return true;
  });
}
