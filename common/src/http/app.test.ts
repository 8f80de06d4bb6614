// The shared middleware on a real listener: the access line, the request id and the request's
// logger, which is made only when a handler logs.

import Router from '@koa/router';
import test from 'ava';
import { createMetrics } from '../metrics.ts';
import { createReadiness } from '../readiness.ts';
import { captureLogs } from '../testing/logs.ts';
import { createHttpApp, listen, portOf } from './app.ts';
import { sendSuccess } from './envelope.ts';
import type { RequestState } from './request-id.ts';

async function serve() {
  const logs = captureLogs('svc');
  const routes = new Router<RequestState>()
    .get('/ok/:id', (ctx) => sendSuccess(ctx, { id: ctx.params.id }))
    .get('/fails', (ctx) => {
      ctx.state.log.warn({ step: 1 }, 'about to fail');
      throw new Error('boom');
    });
  const readiness = createReadiness({ checks: [], logger: logs.logger });
  const app = createHttpApp({
    logger: logs.logger,
    metrics: createMetrics('svc'),
    readiness,
    routes,
  });
  const server = await listen(app, 0, '127.0.0.1');
  const base = `http://127.0.0.1:${portOf(server)}`;
  return { ...logs, base, close: () => new Promise((resolve) => server.close(resolve)) };
}

test('every request logs one access line with its id, route template, URL, status and duration', async (t) => {
  const { lines, base, close } = await serve();
  t.teardown(close);
  const response = await fetch(`${base}/ok/7?x=1`, { headers: { 'X-Request-Id': 'abc-123' } });
  t.is(response.status, 200);
  t.is(response.headers.get('x-request-id'), 'abc-123');
  const [line, ...others] = lines();
  t.is(others.length, 0);
  t.like(line, {
    name: 'svc',
    level: 30,
    req_id: 'abc-123',
    method: 'GET',
    route: '/ok/:id',
    url: '/ok/7?x=1',
    status: 200,
    msg: 'GET /ok/:id 200',
    v: 0,
  });
  t.is(typeof line?.duration_ms, 'number');
  t.is(typeof line?.pid, 'number');
});

test('an insane request id is replaced, and the new one is logged and returned', async (t) => {
  const { lines, base, close } = await serve();
  t.teardown(close);
  const response = await fetch(`${base}/nowhere`, { headers: { 'X-Request-Id': 'a b' } });
  t.is(response.status, 404);
  const id = response.headers.get('x-request-id');
  t.regex(id ?? '', /^[0-9a-f-]{36}$/);
  t.like(lines()[0], { req_id: id, route: 'unmatched', status: 404 });
});

test("a handler's own lines and the failure carry the request id; probes log at debug", async (t) => {
  const { lines, base, close } = await serve();
  t.teardown(close);
  const failed = await fetch(`${base}/fails`, { headers: { 'X-Request-Id': 'req-9' } });
  t.is(failed.status, 500);
  t.is((await fetch(`${base}/livez`)).status, 200);
  const logged = lines().map(({ req_id, level, msg }) => ({ req_id, level, msg }));
  t.deepEqual(logged.slice(0, 2), [
    { req_id: 'req-9', level: 40, msg: 'about to fail' },
    { req_id: 'req-9', level: 50, msg: 'GET /fails 500' },
  ]);
  t.like(lines()[1], { reason: 'internal server error', err: { message: 'boom' } });
  t.like(lines()[2], { level: 20, route: '/livez', status: 200 });
});
