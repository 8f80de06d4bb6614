// A batch of users' points from the index alone; it also serves the foreign key on user_id.
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
