// The users response: the page, statistics over all users, and the page's points from the
// point service — the points call runs as soon as the page is known, alongside the statistics.
import { formatFixed2, formatInteger } from '@backend/common/format';
import type { PointClient } from '@backend/common/grpc/point-client';
import type { ListQuery } from '@backend/common/list-query';
import type { UserColumn, UserRepository } from './user-repository.ts';

export function createUserListing(deps: { users: UserRepository; points: PointClient }) {
  const { users, points } = deps;

  const pageWithPoints = async (query: ListQuery<UserColumn>, requestId: string) => {
    const rows = await users.page(query);
    const ids = rows.map((row) => row.id);
    const totals = ids.length ? await points.getUserListPoints(ids, requestId) : new Map();
    return rows.map((row) => ({
      id: row.id,
      name: row.name,
      email: row.email,
      department_id: row.departmentId,
      age: row.age,
      salary: row.salary,
      point: totals.get(row.id) ?? 0,
    }));
  };

  return {
    async list(query: ListQuery<UserColumn>, requestId: string) {
      const [list, stats] = await Promise.all([
        pageWithPoints(query, requestId),
        users.statistics(),
      ]);
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
