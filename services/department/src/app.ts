import { createHttpApp } from '@backend/common/http/app';
import { sendSuccess } from '@backend/common/http/envelope';
import type { RequestState } from '@backend/common/http/request-id';
import { parseListQuery } from '@backend/common/list-query';
import type { Logger } from '@backend/common/logger';
import type { Metrics } from '@backend/common/metrics';
import type { Readiness } from '@backend/common/readiness';
import Router from '@koa/router';
import { type DepartmentRepository, departmentColumns } from './department-repository.ts';

export type DepartmentAppDeps = {
  logger: Logger;
  metrics: Metrics;
  readiness: Readiness;
  departments: DepartmentRepository;
};

export function createDepartmentApp({ departments, ...shared }: DepartmentAppDeps) {
  const routes = new Router<RequestState>();
  routes.get('/api/departments/v1/departments', async (ctx) => {
    const query = parseListQuery(ctx.request.query, departmentColumns, 'name');
    const { rows, total } = await departments.list(query);
    sendSuccess(ctx, { count: String(total), list: rows });
  });
  return createHttpApp({ ...shared, routes });
}
