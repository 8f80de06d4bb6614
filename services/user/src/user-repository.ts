// Reads users: a page in the requested order, and statistics over all users in one query.
import type { Database } from '@backend/common/database/database';
import { User } from '@backend/common/database/entities';
import type { ListQuery } from '@backend/common/list-query';
import { raw } from '@mikro-orm/sql';

export const userColumns = ['id', 'name', 'email', 'age', 'salary', 'department_id'] as const;
export type UserColumn = (typeof userColumns)[number];

const propertyOf = {
  id: 'id',
  name: 'name',
  email: 'email',
  age: 'age',
  salary: 'salary',
  department_id: 'departmentId',
} as const satisfies Record<UserColumn, string>;

export type UserRow = {
  id: string;
  name: string;
  email: string;
  departmentId: string | null;
  age: number | null;
  salary: number | null;
};

export type UserStatistics = {
  count: number;
  highAge: number;
  lowAge: number;
  avgAge: number;
  highSalary: number;
  lowSalary: number;
  avgSalary: number;
};

export function createUserRepository(database: Database) {
  return {
    page(query: ListQuery<UserColumn>): Promise<UserRow[]> {
      return database.read(async (em) => {
        const users = await em.find(
          User,
          {},
          {
            orderBy: { [propertyOf[query.orderBy]]: query.direction, id: 'asc' },
            limit: query.limit,
            offset: query.offset,
          },
        );
        return users.map(({ id, name, email, departmentId, age, salary }) => ({
          id,
          name,
          email,
          departmentId: departmentId ?? null,
          age: age ?? null,
          salary: salary === null || salary === undefined ? null : Number(salary),
        }));
      });
    },
    /** Averages are sums over counts, computed here: every dialect's AVG rounds differently. */
    statistics(): Promise<UserStatistics> {
      return database.read(async (em) => {
        const row = (await em
          .createQueryBuilder(User)
          .select([
            raw('count(*) as users'),
            raw('count(age) as aged'),
            raw('sum(age) as age_sum'),
            raw('max(age) as high_age'),
            raw('min(age) as low_age'),
            raw('count(salary) as paid'),
            raw('sum(salary) as salary_sum'),
            raw('max(salary) as high_salary'),
            raw('min(salary) as low_salary'),
          ])
          .execute('get', false)) as Record<string, unknown>;
        const number = (key: string) => Number(row[key] ?? 0);
        return {
          count: number('users'),
          highAge: number('high_age'),
          lowAge: number('low_age'),
          avgAge: number('aged') ? number('age_sum') / number('aged') : 0,
          highSalary: number('high_salary'),
          lowSalary: number('low_salary'),
          avgSalary: number('paid') ? number('salary_sum') / number('paid') : 0,
        };
      });
    },
  };
}

export type UserRepository = ReturnType<typeof createUserRepository>;
