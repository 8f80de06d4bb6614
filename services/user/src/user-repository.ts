// Reads users: a page in the requested order, and statistics over all users in one query.
// Plain SQL over the ORM's connection: pooled, timed and counted, without entity hydration.
import type { Database } from '@backend/common/database/database';
import type { ListQuery } from '@backend/common/list-query';

export const userColumns = ['id', 'name', 'email', 'age', 'salary', 'department_id'] as const;
export type UserColumn = (typeof userColumns)[number];

export type UserRow = {
  id: string;
  name: string;
  email: string;
  department_id: string | null;
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

/** The users statements for `database`'s dialect; exported for the query-plan tests. */
export function userStatements(database: Database) {
  const table = database.quote('user');
  // Ties are broken by id in the sort's direction, so the (column, id) indexes of migration 0002
  // serve both directions as an index range scan. MariaDB/MySQL cost a deep offset through a
  // secondary index as a full scan plus filesort (about 100 ms at 100k users), so there the page's
  // ids come from the covering index first and only those 50 rows are read ("deferred join").
  const page = ({ orderBy, direction }: Pick<ListQuery<UserColumn>, 'orderBy' | 'direction'>) => {
    const order = (prefix: string) =>
      `${prefix}${database.quote(orderBy)} ${direction}, ${prefix}id ${direction}`;
    return database.dialect === 'mysql'
      ? `select u.id, u.name, u.email, u.department_id, u.age, u.salary from ${table} u join (select id from ${table} order by ${order('')} limit ? offset ?) page on page.id = u.id order by ${order('u.')}`
      : `select id, name, email, department_id, age, salary from ${table} order by ${order('')} limit ? offset ?`;
  };
  // Averages are sums over counts, computed here: every dialect's AVG rounds differently. On
  // MariaDB/MySQL the covering (age, salary) index of migration 0003 serves it.
  const statistics = `select count(*) as users, count(age) as aged, sum(age) as age_sum,
    max(age) as high_age, min(age) as low_age, count(salary) as paid, sum(salary) as salary_sum,
    max(salary) as high_salary, min(salary) as low_salary from ${table}`;
  return { page, statistics };
}

export function createUserRepository(database: Database) {
  const statements = userStatements(database);
  return {
    async page(query: ListQuery<UserColumn>): Promise<UserRow[]> {
      const rows = await database.query<UserRow>(statements.page(query), [
        query.limit,
        query.offset,
      ]);
      return rows.map(({ id, name, email, department_id, age, salary }) => ({
        id,
        name,
        email,
        department_id: department_id ?? null,
        age: age ?? null,
        salary: salary === null || salary === undefined ? null : Number(salary),
      }));
    },
    async statistics(): Promise<UserStatistics> {
      const [row = {}] = await database.query<Record<string, unknown>>(statements.statistics);
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
    },
  };
}

export type UserRepository = ReturnType<typeof createUserRepository>;
