// A covering index for the statistics aggregate on MariaDB/MySQL (a narrow scan instead of the
// clustered rows). Migration 0004's running totals made it unneeded and drop it again.
import { type DialectSql, mysqlIndexIfMissing } from './dialect-migration.ts';

export const statisticsIndex: DialectSql = {
  postgresql: [],
  mysql: [mysqlIndexIfMissing('user', 'user_age_salary_idx', 'age, salary')],
  sqlite: [],
};
