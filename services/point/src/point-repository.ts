// Reads points. A user's points are the sum of their rows; database errors propagate (never empty).
import type { Database } from '@backend/common/database/database';
import { Points } from '@backend/common/database/entities';
import { raw } from '@mikro-orm/sql';

export function createPointRepository(database: Database) {
  return {
    pointsOf(userId: string): Promise<number> {
      return database.read(async (em) => {
        const row = await em
          .createQueryBuilder(Points)
          .select(raw('coalesce(sum(points), 0) as total'))
          .where({ userId })
          .execute('get', false);
        return Number((row as { total?: unknown } | undefined)?.total ?? 0);
      });
    },
    /** Total points of each given user that has any. */
    pointsOfMany(userIds: string[]): Promise<Map<string, number>> {
      if (userIds.length === 0) return Promise.resolve(new Map());
      return database.read(async (em) => {
        const rows = await em
          .createQueryBuilder(Points)
          .select(['userId', raw('sum(points) as total')])
          .where({ userId: { $in: userIds } })
          .groupBy('userId')
          .execute('all', false);
        return new Map(
          (rows as unknown as { user_id: string; total: unknown }[]).map((row) => [
            row.user_id.toLowerCase(),
            Number(row.total),
          ]),
        );
      });
    },
  };
}

export type PointRepository = ReturnType<typeof createPointRepository>;
