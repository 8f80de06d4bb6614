// The users response: the page, statistics over all users, and the page's points from the
// point service — the points call runs as soon as the page is known, alongside the statistics.
// Statistics come from a cache at most `statisticsMaxAgeMs` old (see cached-value.ts): most
// requests cost one database round trip, and the aggregate over all users runs about once per
// `statisticsMaxAgeMs / 2` whatever the request rate.
import { createCachedValue } from '@backend/common/cached-value';
import { formatFixed2, formatInteger } from '@backend/common/format';
import type { PointClient } from '@backend/common/grpc/point-client';
import type { ListQuery } from '@backend/common/list-query';
import type { UserColumn, UserRepository } from './user-repository.ts';

export function createUserListing(deps: {
  users: UserRepository;
  points: PointClient;
  statisticsMaxAgeMs: number;
}) {
  const { users, points } = deps;
  const statistics = createCachedValue(() => users.statistics(), deps.statisticsMaxAgeMs);

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
      const [list, stats] = await Promise.all([pageWithPoints(query, requestId), statistics.get()]);
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
