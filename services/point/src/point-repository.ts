// Reads points. A user's points are the sum of their rows; database errors propagate (never an
// empty success). Plain SQL over the ORM's connection: pooled, timed and counted.
import type { Database } from '@backend/common/database/database';

export function createPointRepository(database: Database) {
  // One statement text per list length, built once.
  const manySql = new Map<number, string>();
  const sqlForMany = (count: number) => {
    let sql = manySql.get(count);
    if (!sql) {
      const placeholders = Array.from({ length: count }, () => '?').join(', ');
      sql = `select user_id, sum(points) as total from points where user_id in (${placeholders}) group by user_id`;
      manySql.set(count, sql);
    }
    return sql;
  };
  return {
    async pointsOf(userId: string): Promise<number> {
      const [row] = await database.query<{ total: unknown }>(
        'select coalesce(sum(points), 0) as total from points where user_id = ?',
        [userId],
      );
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
