// Access log line and RED metrics for every request, labelled by the matched route template.
import type { Middleware } from 'koa';
import type { Metrics } from '../metrics.ts';
import type { RequestState } from './request-id.ts';

const quietRoutes = new Set(['/livez', '/readyz', '/metrics']);

export function observe(metrics: Metrics): Middleware<RequestState> {
  return async (ctx, next) => {
    const started = process.hrtime.bigint();
    try {
      await next();
    } finally {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const matched = (ctx as { _matchedRoute?: unknown })._matchedRoute;
      const route = typeof matched === 'string' ? matched : 'unmatched';
      metrics.httpRequestDuration.observe(
        { method: ctx.method, route, status_code: String(ctx.status) },
        seconds,
      );
      const line = {
        method: ctx.method,
        route,
        url: ctx.url.length > 512 ? `${ctx.url.slice(0, 512)}…` : ctx.url,
        status: ctx.status,
        duration_ms: Math.round(seconds * 1e5) / 100,
      };
      const message = `${ctx.method} ${route} ${ctx.status}`;
      if (quietRoutes.has(route) && ctx.status < 400) ctx.state.log.debug(line, message);
      else ctx.state.log.info(line, message);
    }
  };
}
