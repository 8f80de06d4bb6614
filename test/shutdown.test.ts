// SIGTERM against real processes under load: nothing in flight is lost, and a wedged dependency
// cannot keep a process alive past its bound.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { sampleUserIds } from '@backend/common/database/sample-data';
import { prepareSqlite } from '@backend/common/testing/databases';
import { startDnsServer } from '@backend/common/testing/dns-server';
import { killedAfterTests } from '@backend/common/testing/killed-after-tests';
import { scrape } from '@backend/common/testing/metrics';
import {
  freePort,
  repositoryRoot,
  type StartedService,
  spawnService,
  startService,
  waitUntilReady,
} from '@backend/common/testing/processes';
import { startTcpProxy } from '@backend/common/testing/tcp-proxy';
import test from 'ava';
import { createPointClient } from '../services/user/src/point-client.ts';

const databaseUrl = await prepareSqlite();
const ids = Object.values(sampleUserIds);

const track = killedAfterTests();

const start = (name: string, env: Record<string, string> = {}): Promise<StartedService> =>
  startService(name, { DATABASE_URL: databaseUrl, ...env }, track);

const paths = {
  department: '/api/departments/v1/departments',
  user: '/api/users/v1/users?limit=5',
};

/**
 * Steady load from `concurrency` clients that behave like a load balancer: they keep sending
 * until /readyz has said 503 for `lagMs` (the endpoints controller's delay), then stop.
 */
async function loadUntilDrained(base: string, path: string, concurrency: number, lagMs: number) {
  let stopAt = Number.POSITIVE_INFINITY;
  const results = { ok: 0, failed: [] as string[] };
  const watcher = (async () => {
    while (stopAt === Number.POSITIVE_INFINITY) {
      const status = await fetch(`${base}/readyz`).then(
        (r) => r.status,
        () => 0,
      );
      if (status === 503) stopAt = Date.now() + lagMs;
      await sleep(50);
    }
  })();
  const client = async () => {
    while (Date.now() < stopAt) {
      try {
        const response = await fetch(`${base}${path}`);
        await response.arrayBuffer();
        if (response.status === 200) results.ok++;
        else results.failed.push(`HTTP ${response.status}`);
      } catch (error) {
        results.failed.push(String((error as Error).cause ?? error));
      }
    }
  };
  return { done: Promise.all([watcher, ...Array.from({ length: concurrency }, client)]), results };
}

for (const name of ['department', 'user'] as const) {
  test(`${name}: SIGTERM under steady load loses no request`, async (t) => {
    const point = name === 'user' ? await start('point') : undefined;
    const service = await start(name, {
      SHUTDOWN_DRAIN_DELAY_MS: '1500',
      ...(point ? { POINT_SERVICE_ADDR: `127.0.0.1:${point.port}` } : {}),
    });
    const { done, results } = await loadUntilDrained(service.base, paths[name], 16, 300);
    await sleep(500);
    const before = results.ok;
    service.process.child.kill('SIGTERM');
    await done;
    t.log(
      `${results.ok} requests succeeded (${results.ok - before} after SIGTERM), ${results.failed.length} failed`,
    );
    t.deepEqual(results.failed, []);
    t.true(results.ok - before > 0, 'requests kept being served during the drain delay');
    t.is(await service.process.exited(), 0);
    point?.process.child.kill('SIGTERM');
  });
}

/** Resolves once user has started `count` calls to point (grpc_client_started_total). */
async function callsStarted(base: string, count: number) {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const { samples } = await scrape(`${base}/metrics`);
    const started = samples
      .filter((sample) => sample.name === 'grpc_client_started_total')
      .reduce((sum, sample) => sum + sample.value, 0);
    if (started >= count) return;
    await sleep(20);
  }
  throw new Error(`user did not start ${count} calls to point within 10 s`);
}

test('user: requests in flight when the listener closes still complete', async (t) => {
  const point = await start('point');
  // Every call to point takes ≥ 400 ms, so requests are surely in flight at SIGTERM.
  const slowLink = await startTcpProxy('127.0.0.1', point.port);
  slowLink.setLatency(200);
  const user = await start('user', {
    SHUTDOWN_DRAIN_DELAY_MS: '0',
    POINT_SERVICE_ADDR: `127.0.0.1:${slowLink.port}`,
  });
  const inFlight = Array.from({ length: 12 }, () =>
    fetch(`${user.base}${paths.user}`).then(async (r) => [
      r.status,
      ((await r.json()) as { result: string }).result,
    ]),
  );
  // SIGTERM once all twelve are waiting on point (by user's own count), not after a guessed delay:
  // on a busy machine user may not even have accepted them yet, and would then refuse them.
  await callsStarted(user.base, 12);
  user.process.child.kill('SIGTERM');
  const outcomes = await Promise.all(inFlight);
  t.deepEqual(
    outcomes,
    Array.from({ length: 12 }, () => [200, 'success']),
  );
  t.is(await user.process.exited(), 0);
  await t.throwsAsync(fetch(`${user.base}/livez`), undefined, 'the listener is closed');
  await slowLink.close();
  point.process.child.kill('SIGTERM');
});

test('point: SIGTERM of one backend under load loses no call', async (t) => {
  const port = await freePort();
  const env = { PORT: String(port), GRPC_MAX_CONNECTION_AGE_MS: '60000' };
  const backends = ['127.0.0.2', '127.0.0.3'];
  const processes = await Promise.all(
    backends.map(async (address) => {
      const httpPort = await freePort();
      const service = spawnService('point', {
        ...env,
        HOST: address,
        HTTP_PORT: String(httpPort),
        DATABASE_URL: databaseUrl,
        SHUTDOWN_DRAIN_DELAY_MS: '1000',
      });
      track(service);
      await waitUntilReady(service, `http://${address}:${httpPort}/readyz`);
      return { service, httpPort, address };
    }),
  );
  const dns = await startDnsServer('point.test', backends);
  const pool = createPointClient({
    target: dns.target(port),
    poolSize: 2,
    deadlineMs: 2_000,
    resolveIntervalMs: 200,
  });
  let stop = false;
  let ok = 0;
  const failed: string[] = [];
  const clients = Array.from({ length: 12 }, async () => {
    while (!stop) {
      await pool.getUserListPoints(ids).then(
        () => ok++,
        (error) => failed.push(error.message),
      );
    }
  });
  await sleep(500);
  const [victim] = processes as [(typeof processes)[number]];
  victim.service.child.kill('SIGTERM');
  // The endpoints controller drops the not-ready pod from the headless Service's DNS answer.
  await sleep(300);
  dns.setAddresses(backends.filter((address) => address !== victim.address));
  t.is(await victim.service.exited(), 0);
  await sleep(300);
  stop = true;
  await Promise.all(clients);
  pool.close();
  await dns.close();
  t.log(`${ok} calls succeeded, ${failed.length} failed`);
  t.deepEqual(failed, []);
  for (const { service } of processes) service.child.kill('SIGTERM');
});

test('a wedged dependency cannot hold a process past SHUTDOWN_TIMEOUT_MS', async (t) => {
  const point = await start('point');
  const wedged = await startTcpProxy('127.0.0.1', point.port);
  wedged.setMode('freeze'); // never unfrozen: point never answers
  const user = await start('user', {
    SHUTDOWN_DRAIN_DELAY_MS: '0',
    SHUTDOWN_TIMEOUT_MS: '1000',
    POINT_DEADLINE_MS: '60000',
    POINT_SERVICE_ADDR: `127.0.0.1:${wedged.port}`,
  });
  const hanging = fetch(`${user.base}${paths.user}`).catch(() => 'connection closed');
  await sleep(300);
  const signalled = Date.now();
  user.process.child.kill('SIGTERM');
  const code = await user.process.exited(10_000);
  const elapsed = Date.now() - signalled;
  t.log(`exited ${code} after ${elapsed} ms with a 1000 ms bound`);
  t.is(code, 1);
  t.true(elapsed < 1_000 + 2_000);
  t.regex(user.process.output(), /shutdown took too long; forcing exit/);
  await hanging;
  await wedged.close();
  point.process.child.kill('SIGTERM');
});

for (const kind of ['exception', 'rejection'] as const) {
  test(`an uncaught ${kind} is logged and exits 1 instead of leaving a half-alive process`, async (t) => {
    const child = spawn(process.execPath, ['test/fixtures/crashing-service.ts'], {
      cwd: repositoryRoot,
      env: { PATH: process.env.PATH, CRASH_KIND: kind, DATABASE_URL: databaseUrl },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    const [code] = await Promise.race([
      once(child, 'close'),
      sleep(10_000).then(() => ['timeout']),
    ]);
    t.is(code, 1);
    t.regex(output, /"level":60.*exiting so the process can be restarted/);
    t.regex(output, kind === 'exception' ? /a bug in a timer/ : /a promise nobody awaited/);
  });
}
