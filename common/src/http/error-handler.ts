// The one place errors become responses: 5xx never show internals.
import type { Context, Middleware } from 'koa';
import { AppError, isUnavailableError } from '../errors.ts';
import { sendFailure } from './envelope.ts';
import type { RequestState } from './request-id.ts';

export function errorHandler(): Middleware<RequestState> {
  return async (ctx, next) => {
    try {
      await next();
      // Statuses set without a body (no route, allowedMethods) get the envelope too.
      const { status, body } = ctx.response;
      if (status >= 400 && body === undefined) sendFailure(ctx, status, describe(ctx));
    } catch (error) {
      const { status, message } = toResponse(error);
      // observe() logs it on the request's line.
      ctx.state.failure = { reason: message, ...(status >= 500 && { error }) };
      sendFailure(ctx, status, message);
    }
  };
}

function describe(ctx: Context): string {
  if (ctx.status === 404) return `no route for ${ctx.method} ${ctx.path}`;
  if (ctx.status === 405)
    return `${ctx.method} is not allowed here; allowed: ${ctx.response.get('Allow')}`;
  if (ctx.status === 501) return `${ctx.method} is not implemented`;
  return 'request failed';
}

function toResponse(error: unknown): { status: number; message: string } {
  if (error instanceof AppError) return { status: error.status, message: error.message };
  if (isUnavailableError(error)) return { status: 503, message: 'a dependency is unavailable' };
  // http-errors thrown by koa and @koa/router: expose marks messages that are safe to show.
  const { status, expose, message } = error as {
    status?: unknown;
    expose?: unknown;
    message?: unknown;
  };
  if (typeof status === 'number' && status >= 400 && status < 500 && expose === true) {
    return { status, message: String(message) };
  }
  return { status: 500, message: 'internal server error' };
}
