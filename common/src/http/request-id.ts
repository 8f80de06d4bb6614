// A sane incoming X-Request-Id is kept, anything else is replaced.
import { randomUUID } from 'node:crypto';
import type { Middleware } from 'koa';
import type { Logger } from '../logger.ts';

const saneRequestId = /^[\w.:@/+=-]{1,128}$/;

export type RequestState = {
  readonly requestId: string;
  /** The service's logger with `req_id`. */
  readonly log: Logger;
  /** Why the request failed, set by errorHandler for the access line. */
  failure?: { reason: string; error?: unknown };
};

export function acceptRequestId(value: string | undefined): string {
  return value && saneRequestId.test(value) ? value : randomUUID();
}

export function requestId(logger: Logger): Middleware<RequestState> {
  return async (ctx, next) => {
    const header = ctx.req.headers['x-request-id'];
    const id = acceptRequestId(typeof header === 'string' ? header : undefined);
    ctx.state = { requestId: id, log: logger.child({ req_id: id }, true) };
    ctx.set('X-Request-Id', id);
    await next();
  };
}
