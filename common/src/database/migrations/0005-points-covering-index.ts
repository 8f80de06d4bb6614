// The points of a batch of users from the index alone: GetUserListPoints looks up 50 random
// user ids, and reading each one's row from the table as well doubled the pages it touched. At 1M
// users those pages no longer fit PostgreSQL's default 128 MB of shared buffers with the users
// table, and each miss costs a read from the page cache: with the points in the index, a users
// request cost PostgreSQL about a quarter less CPU there (docs/BENCHMARKS.md). The new index
// serves everything the old (user_id) one did, the foreign key included, so that one goes.
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
