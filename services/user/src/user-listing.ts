// The users response; the points call starts once the page is known, alongside the statistics.
// Statistics are cached (cached-value.ts); a slow aggregate is logged at most once a minute.
import { createCachedValue } from '@backend/common/cached-value';
import { formatFixed2, formatInteger } from '@backend/common/format';
import type { ListQuery } from '@backend/common/list-query';
import type { Logger } from '@backend/common/logger';
import { trace } from '@backend/common/tracing';
import type { PointClient } from './point-client.ts';
import type { UserColumn, UserRepository } from './user-repository.ts';

export function createUserListing(deps: {
  users: UserRepository;
  points: PointClient;
  statisticsMaxAgeMs: number;
  logger: Logger;
}) {
  const { users, points, statisticsMaxAgeMs: maxAgeMs, logger } = deps;
  let warnedAt = Number.NEGATIVE_INFINITY;
  const warnIfSlow = (tookMs: number) => {
    const now = performance.now();
    if (maxAgeMs > 0 && tookMs > maxAgeMs / 2 && now - warnedAt >= 60_000) {
      warnedAt = now;
      logger.warn(
        { took_ms: Math.round(tookMs), stats_max_age_ms: maxAgeMs },
        'the users statistics take more than half of STATS_MAX_AGE_MS: they are recomputed twice per bound and requests may wait for them; raise STATS_MAX_AGE_MS',
      );
    }
  };
  const statistics = createCachedValue(() => users.statistics(), maxAgeMs, {
    onComputed: warnIfSlow,
  });

  const pageWithPoints = async (query: ListQuery<UserColumn>, requestId: string) => {
    const rows = await users.page(query);
    const ids = rows.map((row) => row.id);
    const totals = ids.length ? await points.getUserListPoints(ids, requestId) : new Map();
    return rows.map((row) => ({
      id: row.id,
      name: row.name,
      email: row.email,
      department_id: row.department_id,
      age: row.age,
      salary: row.salary,
      point: totals.get(row.id) ?? 0,
    }));
  };

  return {
    async list(query: ListQuery<UserColumn>, requestId: string) {
      const { value: statsValue, cached } = statistics.read();
      trace.getActiveSpan()?.setAttribute('app.users.statistics.cached', cached);
      const [list, stats] = await Promise.all([pageWithPoints(query, requestId), statsValue]);
      return {
        high_age: formatInteger(stats.highAge),
        low_age: formatInteger(stats.lowAge),
        avg_age: formatFixed2(stats.avgAge),
        high_salary: formatFixed2(stats.highSalary),
        low_salary: formatFixed2(stats.lowSalary),
        avg_salary: formatFixed2(stats.avgSalary),
        count: String(stats.count),
        list,
      };
    },
  };
}

export type UserListing = ReturnType<typeof createUserListing>;
