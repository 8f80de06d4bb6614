// An index per sortable column of users, ending with id: any page is an index range scan.
import { type DialectSql, mysqlIndexIfMissing } from './dialect-migration.ts';

const sortable = ['name', 'email', 'age', 'salary', 'department_id'];

export const sortIndexes: DialectSql = {
  postgresql: sortable.map(
    (column) => `create index if not exists user_${column}_id_idx on "user" (${column}, id)`,
  ),
  mysql: sortable.map((column) =>
    mysqlIndexIfMissing('user', `user_${column}_id_idx`, `${column}, id`),
  ),
  sqlite: sortable.map(
    (column) => `create index if not exists user_${column}_id_idx on "user" (${column}, id)`,
  ),
};
