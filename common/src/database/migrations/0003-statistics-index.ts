// A covering index for the statistics aggregate on MariaDB/MySQL; migration 0004 drops it.
import { type DialectSql, mysqlIndexIfMissing } from './dialect-migration.ts';

export const statisticsIndex: DialectSql = {
  postgresql: [],
  mysql: [mysqlIndexIfMissing('user', 'user_age_salary_idx', 'age, salary')],
  sqlite: [],
};
