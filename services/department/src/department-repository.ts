// A page of departments and the total, in two concurrent queries.
import type { Database } from '@backend/common/database/database';
import type { ListQuery } from '@backend/common/list-query';

export const departmentColumns = ['id', 'name', 'address'] as const;
export type DepartmentColumn = (typeof departmentColumns)[number];

export type DepartmentRow = { id: string; name: string; address: string | null };

export function createDepartmentRepository(database: Database) {
  const table = database.quote('department');
  // Ties break by id in the same direction: one (column, id) index serves both directions.
  const pageSql = ({ orderBy, direction }: ListQuery<DepartmentColumn>) =>
    `select id, name, address from ${table} order by ${database.quote(orderBy)} ${direction}, id ${direction} limit ? offset ?`;
  const countSql = `select count(*) as total from ${table}`;

  return {
    async list(
      query: ListQuery<DepartmentColumn>,
    ): Promise<{ rows: DepartmentRow[]; total: number }> {
      const [rows, [count]] = await Promise.all([
        database.query<DepartmentRow>(pageSql(query), [query.limit, query.offset]),
        database.query<{ total: unknown }>(countSql),
      ]);
      return {
        rows: rows.map(({ id, name, address }) => ({ id, name, address })),
        total: Number(count?.total ?? 0),
      };
    },
  };
}

export type DepartmentRepository = ReturnType<typeof createDepartmentRepository>;
