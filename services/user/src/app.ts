import { createHttpApp } from '@backend/common/http/app';
import { sendSuccess } from '@backend/common/http/envelope';
import type { RequestState } from '@backend/common/http/request-id';
import { parseListQuery } from '@backend/common/list-query';
import type { Logger } from '@backend/common/logger';
import type { Metrics } from '@backend/common/metrics';
import type { Readiness } from '@backend/common/readiness';
import Router from '@koa/router';
import type { UserListing } from './user-listing.ts';
import { userColumns } from './user-repository.ts';

export type UserAppDeps = {
  logger: Logger;
  metrics: Metrics;
  readiness: Readiness;
  listing: UserListing;
};

export function createUserApp({ listing, ...shared }: UserAppDeps) {
  const routes = new Router<RequestState>();
  routes.get('/api/users/v1/users', async (ctx) => {
    const query = parseListQuery(ctx.request.query, userColumns, 'name');
    sendSuccess(ctx, await listing.list(query, ctx.state.requestId));
  });
  return createHttpApp({ ...shared, routes });
}
