// Every request gets an id: a sane incoming X-Request-Id is kept, anything else is replaced.
import { randomUUID } from 'node:crypto';
import type { Middleware } from 'koa';
import type { Logger } from '../logger.ts';

const saneRequestId = /^[\w.:@/+=-]{1,128}$/;

export type RequestState = { requestId: string; log: Logger };

export function acceptRequestId(value: string | undefined): string {
  return value && saneRequestId.test(value) ? value : randomUUID();
}

export function requestId(logger: Logger): Middleware<RequestState> {
  return async (ctx, next) => {
    const id = acceptRequestId(ctx.get('x-request-id') || undefined);
    ctx.state.requestId = id;
    ctx.state.log = logger.child({ req_id: id }, true);
    ctx.set('X-Request-Id', id);
    await next();
  };
}
