// Distributed tracing end to end: real service processes export OTLP/HTTP to a real receiver in
// this process. A users request with a traceparent is one trace: user's SERVER span under the
// caller's span, its database spans and the gRPC CLIENT span under it, point's SERVER span under
// the CLIENT span, point's database span under that; departments likewise (over OTLP/JSON).
// Log lines carry the ids; probes are not traced, a 4xx is no error, a 5xx is; a retried call
// says so; sampling off or OTEL_SDK_DISABLED exports nothing; a collector that is down, answers
// 503 or never answers changes no answer and holds no stop past its bound, and the dropped spans
// are counted.
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { testDatabases } from '@backend/common/testing/databases';
import { killedAfterTests } from '@backend/common/testing/killed-after-tests';
import { sampleValue, scrape } from '@backend/common/testing/metrics';
import {
  freePort,
  type StartedService,
  spawnService,
  startService,
} from '@backend/common/testing/processes';
import * as grpc from '@grpc/grpc-js';
import test from 'ava';
import { type PointServerHandlers, pointServiceDefinition } from '../proto/point.ts';
import { buildServices } from '../scripts/build.ts';
import { type ReceivedSpan, startReceiver } from './otlp-receiver.ts';

const receiver = await startReceiver();
const failing = await startReceiver(503);
const databases = await testDatabases();
const track = killedAfterTests();
test.after.always(async () => {
  await receiver.close();
  await failing.close();
});

const SERVER = 2;
const CLIENT = 3;
const ERROR = 2;
const dbSystem = { postgresql: 'postgresql', mysql: 'mysql', sqlite: 'sqlite' } as const;

const exportTo = (endpoint: string, env: Record<string, string> = {}) => ({
  OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
  OTEL_BSP_SCHEDULE_DELAY: '50',
  ...env,
});

type Traced = { user: StartedService; point: StartedService; department: StartedService };

async function startTraced(databaseUrl: string): Promise<Traced> {
  const base = { DATABASE_URL: databaseUrl, ...exportTo(receiver.url) };
  const point = await startService('point', base, track);
  const user = await startService(
    'user',
    { ...base, POINT_SERVICE_ADDR: `127.0.0.1:${point.port}` },
    track,
  );
  const department = await startService(
    'department',
    { ...base, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' },
    track,
  );
  return { user, point, department };
}

const newTrace = () => ({
  traceId: randomBytes(16).toString('hex'),
  parentId: randomBytes(8).toString('hex'),
});
const headersOf = ({ traceId, parentId }: ReturnType<typeof newTrace>) => ({
  traceparent: `00-${traceId}-${parentId}-01`,
  tracestate: 'test=1',
  baggage: 'tenant=acme',
});

/** Polls until the spans of `traceId` satisfy `done`; fails with what arrived after `timeoutMs`. */
async function spansOf(
  traceId: string,
  done: (spans: ReceivedSpan[]) => boolean,
  timeoutMs = 20_000,
): Promise<ReceivedSpan[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const spans = receiver.spans.filter((span) => span.traceId === traceId);
    if (done(spans)) return spans;
    if (Date.now() > deadline) {
      throw new Error(`trace ${traceId} incomplete:\n${JSON.stringify(spans, null, 2)}`);
    }
    await sleep(50);
  }
}

/** Polls a process's output until a JSON line matches. */
async function logLine(service: StartedService, match: (line: Record<string, unknown>) => boolean) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const found = service.process
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find(match);
    if (found || Date.now() > deadline) return found;
    await sleep(50);
  }
}

const serverSpan = (service: string) => (span: ReceivedSpan) =>
  span.service === service && span.kind === SERVER;
const childrenOf = (spans: ReceivedSpan[], parent: ReceivedSpan | undefined) =>
  spans.filter((span) => parent && span.parentSpanId === parent.spanId);

// One system per database, started one after the other: a loaded machine starts them slowly.
const systems = new Map<string, Traced>();
test.before(async () => {
  for (const { url } of databases) systems.set(url, await startTraced(url));
});

for (const database of databases) {
  const label = `[${database.dialect}]`;

  test.serial(
    `${label} a users request is one trace from the caller's span to point's database`,
    async (t) => {
      const traced = systems.get(database.url) as Traced;
      const ids = newTrace();
      const response = await fetch(`${traced.user.base}/api/users/v1/users?limit=3`, {
        headers: headersOf(ids),
      });
      t.is(response.status, 200);
      t.truthy(response.headers.get('x-request-id'));
      const spans = await spansOf(ids.traceId, (all) => {
        const point = all.find(serverSpan('point'));
        return Boolean(all.find(serverSpan('user')) && childrenOf(all, point).length > 0);
      });

      const user = spans.find(serverSpan('user'));
      t.like(user, {
        name: 'GET /api/users/v1/users',
        parentSpanId: ids.parentId,
        status: 0,
        attributes: {
          'http.request.method': 'GET',
          'http.route': '/api/users/v1/users',
          'http.response.status_code': 200,
          'url.path': '/api/users/v1/users',
        },
      });
      t.is(typeof user?.attributes['app.users.statistics.cached'], 'boolean');

      const underUser = childrenOf(spans, user);
      const queries = underUser.filter((span) => span.attributes['db.system.name']);
      t.true(queries.length >= 1, 'the page query at least (the statistics may be cached)');
      for (const query of queries) {
        t.is(query.kind, CLIENT);
        t.is(query.service, 'user');
        t.is(query.attributes['db.system.name'], dbSystem[database.dialect]);
        t.is(query.attributes['db.operation.name'], 'select');
        t.regex(String(query.attributes['db.query.summary']), /^select user\b/);
        t.is(query.name, String(query.attributes['db.query.summary']));
        t.false(JSON.stringify(query.attributes).includes('"3"'), 'no parameter values');
      }
      const client = underUser.find((span) => span.attributes['rpc.system'] === 'grpc');
      t.like(client, {
        kind: CLIENT,
        name: 'point.PointServer/GetUserListPoints',
        attributes: { 'rpc.method': 'GetUserListPoints', 'rpc.grpc.status_code': 0 },
      });

      const point = spans.find(serverSpan('point'));
      t.like(point, {
        name: 'point.PointServer/GetUserListPoints',
        parentSpanId: client?.spanId,
        attributes: { 'rpc.system': 'grpc', 'rpc.service': 'point.PointServer' },
      });
      const [pointQuery, ...others] = childrenOf(spans, point);
      t.is(others.length, 0);
      t.like(pointQuery, {
        kind: CLIENT,
        service: 'point',
        name: 'select points',
        attributes: { 'db.system.name': dbSystem[database.dialect], 'db.operation.name': 'select' },
      });
      t.false(
        JSON.stringify(pointQuery?.attributes).match(/[0-9a-f]{8}-[0-9a-f]{4}-/) !== null,
        'no user ids',
      );

      const access = await logLine(traced.user, (line) => line.trace_id === ids.traceId);
      t.like(access, { span_id: user?.spanId, msg: 'GET /api/users/v1/users 200' });
      const handled = await logLine(traced.point, (line) => line.trace_id === ids.traceId);
      t.like(handled, { span_id: point?.spanId, msg: 'GetUserListPoints' });
    },
  );

  test.serial(
    `${label} a departments request: its SERVER span and database spans, over OTLP/JSON`,
    async (t) => {
      const traced = systems.get(database.url) as Traced;
      const ids = newTrace();
      const response = await fetch(`${traced.department.base}/api/departments/v1/departments`, {
        headers: headersOf(ids),
      });
      t.is(response.status, 200);
      const spans = await spansOf(ids.traceId, (all) =>
        Boolean(all.find(serverSpan('department'))),
      );
      const department = spans.find(serverSpan('department'));
      t.like(department, {
        name: 'GET /api/departments/v1/departments',
        parentSpanId: ids.parentId,
        attributes: { 'http.route': '/api/departments/v1/departments' },
      });
      const queries = childrenOf(spans, department);
      t.deepEqual(queries.map((span) => span.name).sort(), [
        'select department',
        'select department',
      ]);
      t.true((receiver.requests['application/json'] ?? 0) > 0);
      const access = await logLine(traced.department, (line) => line.trace_id === ids.traceId);
      t.like(access, {
        span_id: department?.spanId,
        msg: 'GET /api/departments/v1/departments 200',
      });
    },
  );
}

const [first] = databases;
if (first) {
  test.serial(
    'the bundles the image runs trace too (the SDK modules are bundled and load on demand)',
    async (t) => {
      await buildServices(['point', 'user']);
      const env = { DATABASE_URL: first.url, ...exportTo(receiver.url) };
      const point = await startService('point', env, track, 'bundle');
      const user = await startService(
        'user',
        { ...env, POINT_SERVICE_ADDR: `127.0.0.1:${point.port}` },
        track,
        'bundle',
      );
      const ids = newTrace();
      const response = await fetch(`${user.base}/api/users/v1/users`, { headers: headersOf(ids) });
      t.is(response.status, 200);
      const spans = await spansOf(ids.traceId, (all) =>
        Boolean(all.find(serverSpan('user')) && all.find(serverSpan('point'))),
      );
      const client = spans.find(
        (span) => span.kind === CLIENT && span.service === 'user' && span.attributes['rpc.system'],
      );
      t.is(spans.find(serverSpan('point'))?.parentSpanId, client?.spanId);
      t.like(spans.find(serverSpan('user')), { parentSpanId: ids.parentId });
    },
  );

  test.serial(
    'probes are not traced; a 4xx and an unmatched route are spans but not errors',
    async (t) => {
      const department = await startService(
        'department',
        { DATABASE_URL: first.url, ...exportTo(receiver.url) },
        track,
      );
      const probe = newTrace();
      const bad = newTrace();
      const unmatched = newTrace();
      const last = newTrace();
      await (await fetch(`${department.base}/livez`, { headers: headersOf(probe) })).text();
      await (await fetch(`${department.base}/metrics`, { headers: headersOf(probe) })).text();
      const badPath = '/api/departments/v1/departments?limit=abc';
      t.is((await fetch(`${department.base}${badPath}`, { headers: headersOf(bad) })).status, 400);
      t.is(
        (await fetch(`${department.base}/nowhere`, { headers: headersOf(unmatched) })).status,
        404,
      );
      await fetch(`${department.base}/api/departments/v1/departments`, {
        headers: headersOf(last),
      });
      // One process, one queue, exported in order: once the last request's span is in, so is
      // everything before it.
      await spansOf(last.traceId, (spans) => spans.some(serverSpan('department')));
      t.deepEqual(
        receiver.spans.filter((span) => span.traceId === probe.traceId),
        [],
      );
      t.like(
        receiver.spans.find((span) => span.traceId === bad.traceId),
        {
          name: 'GET /api/departments/v1/departments',
          status: 0,
          attributes: { 'http.response.status_code': 400 },
        },
      );
      const lost = receiver.spans.find((span) => span.traceId === unmatched.traceId);
      t.like(lost, { name: 'GET unmatched', status: 0 });
      t.false('http.route' in (lost?.attributes ?? {}));
    },
  );

  test.serial('a failed point call is an error on the SERVER and CLIENT spans', async (t) => {
    const down = await freePort();
    const user = await startService(
      'user',
      {
        DATABASE_URL: first.url,
        POINT_SERVICE_ADDR: `127.0.0.1:${down}`,
        ...exportTo(receiver.url),
      },
      track,
    );
    const ids = newTrace();
    const response = await fetch(`${user.base}/api/users/v1/users`, { headers: headersOf(ids) });
    t.is(response.status, 503);
    const spans = await spansOf(ids.traceId, (all) => all.some(serverSpan('user')));
    t.like(spans.find(serverSpan('user')), {
      status: ERROR,
      attributes: { 'http.response.status_code': 503, 'error.type': '503' },
    });
    t.like(
      spans.find((span) => span.kind === CLIENT && span.attributes['rpc.system'] === 'grpc'),
      { status: ERROR, attributes: { 'rpc.grpc.status_code': 14 } },
    );
  });

  test.serial('sampling off, or OTEL_SDK_DISABLED=true, exports nothing', async (t) => {
    const off: StartedService[] = [];
    for (const env of [
      { OTEL_SERVICE_NAME: 'sampled-off', OTEL_TRACES_SAMPLER: 'always_off' },
      {
        OTEL_SERVICE_NAME: 'ratio-zero',
        OTEL_TRACES_SAMPLER: 'traceidratio',
        OTEL_TRACES_SAMPLER_ARG: '0',
      },
      { OTEL_SERVICE_NAME: 'disabled', OTEL_SDK_DISABLED: 'true' },
    ] as Record<string, string>[]) {
      const base = { DATABASE_URL: first.url, ...exportTo(receiver.url, env) };
      off.push(await startService('department', base, track));
    }
    for (const service of off) {
      const ids = newTrace();
      const path = '/api/departments/v1/departments';
      t.is((await fetch(`${service.base}${path}`, { headers: headersOf(ids) })).status, 200);
      const line = await logLine(service, (entry) => entry.msg === `GET ${path} 200`);
      t.false('trace_id' in (line ?? {}));
    }
    const disabled = off[2] as StartedService;
    const metrics = (await scrape(`${disabled.base}/metrics`)).text;
    t.false(metrics.includes('otel_spans_dropped_total'), 'the SDK is not even loaded');
    // Stopping flushes whatever was queued: after the exit, nothing more can come.
    for (const service of off) {
      service.process.child.kill('SIGTERM');
      t.is(await service.process.exited(), 0);
    }
    const names = new Set(receiver.spans.map((span) => span.service));
    for (const name of ['sampled-off', 'ratio-zero', 'disabled']) t.false(names.has(name), name);
  });

  test.serial(
    'a collector that is down or answers 503 changes no answer; the drops are counted',
    async (t) => {
      const down = `http://127.0.0.1:${await freePort()}`;
      const quick = { OTEL_EXPORTER_OTLP_TIMEOUT: '300' };
      const point = await startService(
        'point',
        { DATABASE_URL: first.url, ...exportTo(down, quick) },
        track,
      );
      const user = await startService(
        'user',
        {
          DATABASE_URL: first.url,
          POINT_SERVICE_ADDR: `127.0.0.1:${point.port}`,
          ...exportTo(failing.url, quick),
        },
        track,
      );
      const untraced = await startService(
        'user',
        { DATABASE_URL: first.url, POINT_SERVICE_ADDR: `127.0.0.1:${point.port}` },
        track,
      );
      const path = '/api/users/v1/users?limit=5&orderBy=name';
      for (let i = 0; i < 5; i++) {
        const [traced, plain] = await Promise.all([
          fetch(`${user.base}${path}`, { headers: headersOf(newTrace()) }),
          fetch(`${untraced.base}${path}`),
        ]);
        t.is(traced.status, 200);
        t.deepEqual(await traced.json(), await plain.json());
      }
      const dropped = async (service: StartedService) => {
        const deadline = Date.now() + 20_000;
        for (;;) {
          const { samples } = await scrape(`${service.base}/metrics`);
          const value = sampleValue(samples, 'otel_spans_dropped_total', {
            reason: 'export_failed',
          });
          if ((value ?? 0) > 0 || Date.now() > deadline) return value;
          await sleep(100);
        }
      };
      t.true(((await dropped(user)) ?? 0) > 0, 'user: collector answers 503');
      t.true(((await dropped(point)) ?? 0) > 0, 'point: collector down');
      t.true((failing.requests['application/x-protobuf'] ?? 0) > 0);
      const warned = await logLine(user, (line) =>
        String(line.msg).startsWith('spans are being dropped'),
      );
      t.like(warned, { level: 40, reason: 'export_failed' });
      const warnings = user.process
        .output()
        .split('\n')
        .filter((line) => line.includes('spans are being dropped'));
      t.is(warnings.length, 1, 'at most one warning a minute');
    },
  );
}

test.serial(
  'a bad OTEL_* value stops the service with exit code 78, naming the variable',
  async (t) => {
    for (const [variable, value, message] of [
      [
        'OTEL_EXPORTER_OTLP_PROTOCOL',
        'grpc',
        /OTEL_EXPORTER_OTLP_PROTOCOL must be http\/protobuf or http\/json/,
      ],
      ['OTEL_TRACES_SAMPLER', 'sometimes', /OTEL_TRACES_SAMPLER must be one of/],
      ['OTEL_BSP_MAX_QUEUE_SIZE', '-1', /OTEL_BSP_MAX_QUEUE_SIZE must be a positive integer/],
    ] as const) {
      const service = spawnService('department', {
        PORT: '0',
        DATABASE_URL: 'sqlite::memory:',
        ...exportTo(receiver.url, { [variable]: value }),
      });
      t.is(await service.exited(), 78, service.output());
      t.regex(service.output(), message);
    }
  },
);

if (first) {
  test.serial(
    'stopping exports what is queued; a collector that never answers cannot hold the stop past its bound',
    async (t) => {
      // The traces endpoint in full, headers and resource attributes, as a collector may need.
      const queued = await startService(
        'department',
        {
          DATABASE_URL: first.url,
          OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${receiver.url}/v1/traces`,
          OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer test-token',
          OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=test',
          OTEL_BSP_SCHEDULE_DELAY: '600000',
        },
        track,
      );
      const ids = newTrace();
      await (
        await fetch(`${queued.base}/api/departments/v1/departments`, { headers: headersOf(ids) })
      ).text();
      queued.process.child.kill('SIGTERM');
      t.is(await queued.process.exited(), 0);
      const exported = receiver.spans.find(
        (span) => span.traceId === ids.traceId && span.kind === SERVER,
      );
      t.like(exported?.resource, {
        'service.name': 'department',
        'service.version': '0.1.0',
        'deployment.environment.name': 'test',
      });
      t.true(receiver.authorizations.includes('Bearer test-token'));

      // Accepts connections and never answers.
      const silent = createServer(() => {}).listen(0, '127.0.0.1');
      await once(silent, 'listening');
      t.teardown(() => void silent.close());
      const port = (silent.address() as { port: number }).port;
      const wedged = await startService(
        'department',
        {
          DATABASE_URL: first.url,
          SHUTDOWN_TIMEOUT_MS: '1500',
          ...exportTo(`http://127.0.0.1:${port}`, { OTEL_BSP_SCHEDULE_DELAY: '600000' }),
        },
        track,
      );
      await (await fetch(`${wedged.base}/api/departments/v1/departments`)).text();
      wedged.process.child.kill('SIGTERM');
      t.is(await wedged.process.exited(), 0, 'within the bound, not forced out');
      t.regex(wedged.process.output(), /queued spans could not all be exported/);
    },
  );
}

if (first) {
  test.serial(
    'a call grpc-js retried shows on its CLIENT span: previous attempts and a retried event',
    async (t) => {
      // A real gRPC server whose first answer is UNAVAILABLE, which user's retry policy retries.
      let calls = 0;
      const server = new grpc.Server();
      const handlers: PointServerHandlers = {
        GetUserPoints: (_call, callback) => callback(null, { user_point: '0' }),
        GetUserListPoints: (_call, callback) => {
          calls++;
          if (calls === 1) callback({ code: grpc.status.UNAVAILABLE, details: 'try again' });
          else callback(null, { user_points: new Map() });
        },
      };
      server.addService(pointServiceDefinition, handlers);
      const port = await new Promise<number>((resolve, reject) =>
        server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) =>
          error ? reject(error) : resolve(bound),
        ),
      );
      t.teardown(() => server.forceShutdown());
      const user = await startService(
        'user',
        {
          DATABASE_URL: first.url,
          POINT_SERVICE_ADDR: `127.0.0.1:${port}`,
          ...exportTo(receiver.url),
        },
        track,
      );
      const ids = newTrace();
      const response = await fetch(`${user.base}/api/users/v1/users`, { headers: headersOf(ids) });
      t.is(response.status, 200);
      t.is(calls, 2);
      const spans = await spansOf(ids.traceId, (all) => all.some(serverSpan('user')));
      const client = spans.find((span) => span.kind === CLIENT && span.attributes['rpc.system']);
      t.like(client, { status: 0, attributes: { 'rpc.grpc.previous_attempts': 1 } });
      t.deepEqual(client?.events, ['retried']);
    },
  );
}
