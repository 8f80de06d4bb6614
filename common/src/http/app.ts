// The shared middleware, in this order, and the operational routes.
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import Router from '@koa/router';
import Koa from 'koa';
import type { Started } from '../lifecycle.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import type { Readiness } from '../readiness.ts';
import { sendFailure, sendSuccess } from './envelope.ts';
import { errorHandler } from './error-handler.ts';
import { defaultLimits, enforceLimits, type RequestLimits } from './limits.ts';
import { observe } from './observe.ts';
import { type RequestState, requestId } from './request-id.ts';

export type HttpAppOptions = {
  logger: Logger;
  metrics: Metrics;
  readiness: Readiness;
  /** The service's own routes; omit for an operations-only listener. */
  routes?: Router<RequestState>;
  limits?: RequestLimits;
};

export function createHttpApp(options: HttpAppOptions): Koa<RequestState> {
  const { logger, metrics, readiness, limits = defaultLimits } = options;
  const app = new Koa<RequestState>();
  app.silent = true; // errorHandler logs; koa's default would print to stderr
  const routes = addOperationRoutes(
    options.routes ?? new Router<RequestState>(),
    metrics,
    readiness,
  );
  app
    .use(requestId(logger))
    .use(observe(metrics))
    .use(errorHandler())
    .use(enforceLimits(limits))
    .use(routes.routes())
    .use(routes.allowedMethods());
  return app;
}

function addOperationRoutes(router: Router<RequestState>, metrics: Metrics, readiness: Readiness) {
  return router
    .get('/livez', (ctx) => sendSuccess(ctx, { status: 'alive' }))
    .get('/readyz', (ctx) => {
      const { ready, reason } = readiness.status();
      if (ready) sendSuccess(ctx, { status: 'ready' });
      else sendFailure(ctx, 503, `not ready: ${reason}`);
    })
    .get('/metrics', async (ctx) => {
      ctx.type = metrics.registry.contentType;
      ctx.body = await metrics.registry.metrics();
    });
}

/** Requests Node's HTTP parser refuses (oversized headers, bad request lines) get the envelope too. */
function answerClientError(error: Error & { code?: string }, socket: Duplex) {
  if (!socket.writable || error.code === 'ECONNRESET') return void socket.destroy();
  const [status, reason, message] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'Request Header Fields Too Large', 'the request headers are larger than 16 KiB']
      : [400, 'Bad Request', 'the request is not valid HTTP'];
  const body = JSON.stringify({ result: 'failure', data: { message } });
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

export async function listen(app: Koa<RequestState>, port: number, host?: string): Promise<Server> {
  const server = createServer(
    { maxHeaderSize: 16_384, requestTimeout: 30_000, headersTimeout: 10_000 },
    app.callback(),
  );
  // Longer than common load balancers' idle timeout, so they close first.
  server.keepAliveTimeout = 65_000;
  server.on('clientError', answerClientError);
  server.listen(port, host);
  await once(server, 'listening');
  return server;
}

/** `app` listening, as a service's start returns it: its port, and closing it. */
export async function serveHttp(
  app: Koa<RequestState>,
  { port, host }: { port: number; host?: string },
  logger: Logger,
  fields: Record<string, unknown> = {},
): Promise<Started<{ port: number }>> {
  const server = await listen(app, port, host);
  const ports = { port: portOf(server) };
  logger.info({ ...ports, ...fields }, 'listening for HTTP');
  return { ports, close: () => closeServer(server) };
}

export function portOf(server: Server): number {
  return (server.address() as AddressInfo).port;
}

/** Stops accepting and resolves once in-flight requests finish; idle keep-alives close at once. */
export function closeServer(server: Server): Promise<void> {
  if (!server.listening) return Promise.resolve();
  server.on('request', (_request, response) => {
    response.shouldKeepAlive = false;
  });
  return new Promise((resolve) => {
    const closeIdle = setInterval(() => server.closeIdleConnections(), 50);
    server.close(() => {
      clearInterval(closeIdle);
      resolve();
    });
    server.closeIdleConnections();
  });
}
