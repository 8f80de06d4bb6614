// Access log line and RED metrics for every request, labelled by the matched route template.
import type { Middleware } from 'koa';
import { flatLineWriter, type Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import type { RequestState } from './request-id.ts';

const quietRoutes = new Set(['/livez', '/readyz', '/metrics']);

export function observe(metrics: Metrics, logger: Logger): Middleware<RequestState> {
  const writeLine = flatLineWriter(logger);
  return async (ctx, next) => {
    const started = process.hrtime.bigint();
    try {
      await next();
    } finally {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const matched = (ctx as { _matchedRoute?: unknown })._matchedRoute;
      const route = typeof matched === 'string' ? matched : 'unmatched';
      const { method, url } = ctx.req as { method: string; url: string };
      const status = ctx.res.statusCode;
      metrics.httpRequestDuration.series(method, route, String(status)).observe(seconds);
      writeLine(
        quietRoutes.has(route) && status < 400 ? 'debug' : 'info',
        {
          req_id: ctx.state.requestId,
          method,
          route,
          url: url.length > 512 ? `${url.slice(0, 512)}…` : url,
          status,
          duration_ms: Math.round(seconds * 1e5) / 100,
        },
        `${method} ${route} ${status}`,
      );
    }
  };
}
