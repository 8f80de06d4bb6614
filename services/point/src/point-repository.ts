// A user's points are the sum of their rows; errors propagate, never as zero.
import type { Database } from '@backend/common/database/database';

/** A user's points; served by the (user_id, points) index of migration 0005 alone. */
export const pointsOfOneSql =
  'select coalesce(sum(points), 0) as total from points where user_id = ?';

/** The points of `count` users, by user. */
export const pointsOfManySql = (count: number) =>
  `select user_id, sum(points) as total from points where user_id in (${Array.from({ length: count }, () => '?').join(', ')}) group by user_id`;

export function createPointRepository(database: Database) {
  const manySql = new Map<number, string>();
  const sqlForMany = (count: number) => {
    let sql = manySql.get(count);
    if (!sql) {
      sql = pointsOfManySql(count);
      manySql.set(count, sql);
    }
    return sql;
  };
  return {
    async pointsOf(userId: string): Promise<number> {
      const [row] = await database.query<{ total: unknown }>(pointsOfOneSql, [userId]);
      return Number(row?.total ?? 0);
    },
    /** Total points of each given user that has any, keyed by lower-case id. */
    async pointsOfMany(userIds: string[]): Promise<Map<string, number>> {
      if (userIds.length === 0) return new Map();
      const rows = await database.query<{ user_id: string; total: unknown }>(
        sqlForMany(userIds.length),
        userIds,
      );
      return new Map(rows.map((row) => [String(row.user_id).toLowerCase(), Number(row.total)]));
    },
  };
}

export type PointRepository = ReturnType<typeof createPointRepository>;
