// Every request gets an id: a sane incoming X-Request-Id is kept, anything else is replaced.
import { randomUUID } from 'node:crypto';
import type { Middleware } from 'koa';
import type { Logger } from '../logger.ts';

const saneRequestId = /^[\w.:@/+=-]{1,128}$/;

export type RequestState = { readonly requestId: string; readonly log: Logger };

export function acceptRequestId(value: string | undefined): string {
  return value && saneRequestId.test(value) ? value : randomUUID();
}

/**
 * The request's state. Its logger (the service's, with `req_id`) is made when first used: most
 * requests log nothing but the access line, which observe() writes without it.
 */
class State implements RequestState {
  readonly requestId: string;
  readonly #logger: Logger;
  #log: Logger | undefined;

  constructor(logger: Logger, requestId: string) {
    this.#logger = logger;
    this.requestId = requestId;
  }

  get log(): Logger {
    this.#log ??= this.#logger.child({ req_id: this.requestId }, true);
    return this.#log;
  }
}

export function requestId(logger: Logger): Middleware<RequestState> {
  return async (ctx, next) => {
    const header = ctx.req.headers['x-request-id'];
    const id = acceptRequestId(typeof header === 'string' ? header : undefined);
    ctx.state = new State(logger, id);
    ctx.res.setHeader('X-Request-Id', id);
    await next();
  };
}
