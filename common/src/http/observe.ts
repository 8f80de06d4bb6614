// One access line and the latency histogram for every request, labelled by the route template.
// A failed request's reason (and for a 5xx its error) goes on that line, not on a second one.
import type { Middleware } from 'koa';
import type { Metrics } from '../metrics.ts';
import type { RequestState } from './request-id.ts';

// Probes and scrapes log at debug level; readiness logs its own changes.
const quietRoutes = new Set(['/livez', '/readyz', '/metrics']);

export function observe(metrics: Metrics): Middleware<RequestState> {
  return async (ctx, next) => {
    const started = performance.now();
    try {
      await next();
    } finally {
      const ms = performance.now() - started;
      const matched = (ctx as { _matchedRoute?: unknown })._matchedRoute;
      const route = typeof matched === 'string' ? matched : 'unmatched';
      const { method, url } = ctx.req as { method: string; url: string };
      const status = ctx.res.statusCode;
      metrics.httpRequestDuration.observe({ method, route, status_code: status }, ms / 1000);
      const { log, failure } = ctx.state;
      const quiet = quietRoutes.has(route);
      const level = quiet ? 'debug' : status >= 500 ? 'error' : 'info';
      log[level](
        {
          method,
          route,
          url: url.length > 512 ? `${url.slice(0, 512)}…` : url,
          status,
          duration_ms: Math.round(ms * 100) / 100,
          ...(failure && { reason: failure.reason }),
          ...(failure?.error !== undefined && { err: failure.error }),
        },
        `${method} ${route} ${status}`,
      );
    }
  };
}
