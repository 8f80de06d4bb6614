// Cheap guards before any work: overlong URLs and request bodies are refused with the envelope.
import type { Middleware } from 'koa';
import { AppError } from '../errors.ts';

export type RequestLimits = { maxUrlLength: number; maxBodyBytes: number };

export const defaultLimits: RequestLimits = { maxUrlLength: 4_096, maxBodyBytes: 1_048_576 };

export function enforceLimits({ maxUrlLength, maxBodyBytes }: RequestLimits): Middleware {
  return async (ctx, next) => {
    const { url, headers } = ctx.req as { url: string; headers: Record<string, unknown> };
    if (url.length > maxUrlLength) {
      throw new AppError(414, 'bad_request', `the URL is longer than ${maxUrlLength} characters`);
    }
    const length = Number(headers['content-length'] || 0);
    if (length > maxBodyBytes) {
      throw new AppError(
        413,
        'bad_request',
        `the request body is larger than ${maxBodyBytes} bytes`,
      );
    }
    await next();
  };
}
