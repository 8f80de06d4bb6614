// A covering index for the users statistics (count, sum, min and max of age and salary): MariaDB
// and MySQL then scan this narrow index instead of the clustered rows, 1.0 s → 0.2 s at 1M users
// (docs/BENCHMARKS.md). PostgreSQL's sequential scan is as fast as an index-only scan there, so it
// gets no index to maintain; neither does the embedded SQLite. Migration 0004 replaced the
// aggregate with running totals and drops this index again.
import { type DialectSql, mysqlIndexIfMissing } from './dialect-migration.ts';

export const statisticsIndex: DialectSql = {
  postgresql: [],
  mysql: [mysqlIndexIfMissing('user', 'user_age_salary_idx', 'age, salary')],
  sqlite: [],
};
