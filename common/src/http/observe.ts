// One access line, the latency histogram and the HTTP SERVER span per request, by route template;
// a failure's reason goes on that one line.
import type { Middleware } from 'koa';
import type { Metrics } from '../metrics.ts';
import {
  context,
  propagation,
  recordFailure,
  type Span,
  SpanKind,
  trace,
  tracer,
  tracesProbes,
} from '../tracing.ts';
import type { RequestState } from './request-id.ts';

// Probes and scrapes log at debug level and are traced only with TRACE_PROBES.
const quietRoutes = new Set(['/livez', '/readyz', '/metrics']);

export function observe(metrics: Metrics): Middleware<RequestState> {
  return async (ctx, next) => {
    const started = performance.now();
    const { method, url, headers } = ctx.req as {
      method: string;
      url: string;
      headers: Record<string, string | string[] | undefined>;
    };
    const traced = tracesProbes() || !quietRoutes.has(ctx.path);
    const parent = traced ? propagation.extract(context.active(), headers) : context.active();
    const span = traced ? tracer.startSpan(method, { kind: SpanKind.SERVER }, parent) : undefined;
    // Attributes only for a span that records: nothing to build while tracing is off.
    if (span?.isRecording()) {
      span.setAttributes({
        'http.request.method': method,
        'url.path': ctx.path,
        'url.scheme': ctx.protocol,
        'network.protocol.version': ctx.req.httpVersion,
        'http.request.header.x-request-id': [ctx.state.requestId],
        ...(ctx.ip && { 'client.address': ctx.ip }),
        ...(typeof headers['user-agent'] === 'string' && {
          'user_agent.original': headers['user-agent'],
        }),
      });
    }
    const active = span ? trace.setSpan(parent, span) : parent;
    await context.with(active, async () => {
      try {
        await next();
      } finally {
        const ms = performance.now() - started;
        const matched = (ctx as { _matchedRoute?: unknown })._matchedRoute;
        const route = typeof matched === 'string' ? matched : 'unmatched';
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
        if (span?.isRecording()) endServerSpan(span, method, matched, status, failure);
      }
    });
  };
}

/** Named by the route template (`GET /api/users/v1/users`); a 5xx is an error, a 4xx is not. */
function endServerSpan(
  span: Span,
  method: string,
  route: unknown,
  status: number,
  failure: RequestState['failure'],
): void {
  span.updateName(`${method} ${typeof route === 'string' ? route : 'unmatched'}`);
  if (typeof route === 'string') span.setAttribute('http.route', route);
  span.setAttribute('http.response.status_code', status);
  if (status >= 500) recordFailure(span, failure?.error, String(status), failure?.reason);
  span.end();
}
