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

export function userStatements(database: Database) {
  const table = database.quote('user');
  // Ties break by id in the sort's direction so the (column, id) indexes of migration 0002 serve
  // both ways; a deep page skips rows in the index alone (array or deferred join).
  const columns = 'id, name, email, department_id, age, salary';
  const joinedColumns = `u.${columns.replaceAll(', ', ', u.')}`;
  const page = ({ orderBy, direction }: Pick<ListQuery<UserColumn>, 'orderBy' | 'direction'>) => {
    const order = (prefix: string) =>
      `${prefix}${database.quote(orderBy)} ${direction}, ${prefix}id ${direction}`;
    const ids = `select id from ${table} order by ${order('')} limit ? offset ?`;
    if (database.dialect === 'mysql')
      return `select ${joinedColumns} from ${table} u join (${ids}) page on page.id = u.id order by ${order('u.')}`;
    if (database.dialect === 'postgresql')
      return `select ${columns} from ${table} where id = any(array(${ids})) order by ${order('')}`;
    return `select ${columns} from ${table} order by ${order('')} limit ? offset ?`;
  };
  // Averages are computed here: every dialect's AVG rounds differently.
  const end = (fn: 'min' | 'max', column: 'age' | 'salary') =>
    `(select ${fn}(${column}) from ${table})`;
  const statistics = `select sum(users) as users, sum(aged) as aged, sum(age_sum) as age_sum,
    ${end('max', 'age')} as high_age, ${end('min', 'age')} as low_age, sum(paid) as paid,
    sum(salary_sum) as salary_sum, ${end('max', 'salary')} as high_salary,
    ${end('min', 'salary')} as low_salary from user_statistics`;
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
      return toStatistics(row);
    },
  };
}

/** A statistics row (any value may be null or a string) as figures. */
export function toStatistics(row: Record<string, unknown>): UserStatistics {
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
}

export type UserRepository = ReturnType<typeof createUserRepository>;
