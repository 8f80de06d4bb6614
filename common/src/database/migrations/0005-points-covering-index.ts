// The points of a batch of users from the index alone: GetUserListPoints looks up random ids,
// and reading each row from the table too doubled the pages it touched (docs/BENCHMARKS.md).
// The new index serves what the old (user_id) one did, the foreign key included.
import {
  type DialectSql,
  mysqlDropIndexIfPresent,
  mysqlIndexIfMissing,
} from './dialect-migration.ts';

export const pointsCoveringIndex: DialectSql = {
  postgresql: [
    'create index if not exists points_user_id_points_idx on points (user_id) include (points)',
    'drop index if exists points_user_id_idx',
  ],
  mysql: [
    mysqlIndexIfMissing('points', 'points_user_id_points_idx', 'user_id, points'),
    mysqlDropIndexIfPresent('points', 'points_user_id_idx'),
  ],
  sqlite: [
    'create index if not exists points_user_id_points_idx on points (user_id, points)',
    'drop index if exists points_user_id_idx',
  ],
};
