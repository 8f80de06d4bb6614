// The user → point pool against real point processes on distinct loopback addresses behind one
// DNS name (served by a test DNS server), the way a headless Service resolves to its ready pods.
// grpc-js asks the DNS server named in a dns://server/name target only when
// GRPC_NODE_USE_ALTERNATIVE_RESOLVER=true (set for tests in package.json, passed to the user
// process below); in production it uses the system resolver. Re-resolution and load balancing
// are the same code either way.
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { sampleUserIds } from '@backend/common/database/sample-data';
import { prepareSqlite } from '@backend/common/testing/databases';
import { startDnsServer, type TestDnsServer } from '@backend/common/testing/dns-server';
import { getJson, isFailure } from '@backend/common/testing/http';
import {
  freePort,
  type ServiceProcess,
  spawnService,
  waitUntilReady,
} from '@backend/common/testing/processes';
import test from 'ava';
import { Registry } from 'prom-client';
import { createPointClient, type PointClient } from '../services/user/src/point-client.ts';

const addresses = ['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5'];
const maxConnectionAgeMs = 2_000;
const maxConnectionAgeGraceMs = 500;
const resolveIntervalMs = 200;
const ids = Object.values(sampleUserIds);

/** Linux routes all of 127/8 to loopback; other systems need aliases (e.g. `ifconfig lo0 alias`). */
async function canBind(address: string) {
  const server = createServer();
  return new Promise<boolean>((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(0, address, () => server.close(() => resolve(true)));
  });
}
const unbindable = (await Promise.all(addresses.map(canBind))).some((ok) => !ok);

const databaseUrl = await prepareSqlite();
const grpcPort = await freePort();
const backends = new Map<string, { process: ServiceProcess; httpPort: number }>();

async function startBackend(address: string) {
  const httpPort = await freePort();
  const process = spawnService('point', {
    HOST: address,
    PORT: String(grpcPort),
    HTTP_PORT: String(httpPort),
    DATABASE_URL: databaseUrl,
    GRPC_MAX_CONNECTION_AGE_MS: String(maxConnectionAgeMs),
    GRPC_MAX_CONNECTION_AGE_GRACE_MS: String(maxConnectionAgeGraceMs),
  });
  backends.set(address, { process, httpPort });
  await waitUntilReady(process, `http://${address}:${httpPort}/readyz`);
}

async function killBackend(address: string) {
  const backend = backends.get(address);
  backend?.process.child.kill('SIGKILL');
  await backend?.process.exited();
  backends.delete(address);
}

/** Calls each backend has succeeded, by address, from the pool's own metrics. */
async function succeededByBackend(registry: Registry) {
  const metric = await registry.getSingleMetric('point_pool_backend_calls_total')?.get();
  const counts = new Map<string, number>();
  for (const { labels, value } of metric?.values ?? []) {
    if (labels.outcome !== 'succeeded') continue;
    const address = String(labels.backend).split(':')[0] as string;
    counts.set(address, (counts.get(address) ?? 0) + value);
  }
  return counts;
}

const delta = (after: Map<string, number>, before: Map<string, number>, address: string) =>
  (after.get(address) ?? 0) - (before.get(address) ?? 0);

/** Waits until every pool channel has a READY connection to each of `expected`. */
async function waitForConnections(pool: PointClient, expected: string[], poolSize: number) {
  for (let attempt = 0; attempt < 100; attempt++) {
    // Channels connect lazily: a call makes each one resolve and connect.
    await pool.getUserListPoints(ids).catch(() => {});
    const ready = (await pool.connections()).filter((c) => c.state === 'READY');
    if (
      expected.every((a) => ready.filter((c) => c.backend.startsWith(`${a}:`)).length === poolSize)
    ) {
      return;
    }
    await sleep(100);
  }
  throw new Error(`pool never connected to all of ${expected.join(', ')}`);
}

/** Runs `total` calls, `concurrency` at a time; returns the failures. */
async function load(
  call: () => Promise<unknown>,
  total: number,
  concurrency: number,
  onProgress?: (done: number) => void,
) {
  let started = 0;
  let done = 0;
  const failures: unknown[] = [];
  const worker = async () => {
    while (started < total) {
      started++;
      await call().catch((error) => failures.push(error));
      onProgress?.(++done);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return failures;
}

let dns: TestDnsServer;

if (unbindable) {
  const reason = `cannot bind ${addresses.join(', ')} (this system does not route all of 127/8 to loopback)`;
  if (process.env.TEST_REQUIRE_TOOLS === '1')
    test('loopback addresses required', (t) => t.fail(reason));
  else test.skip(`point pool suite skipped: ${reason}`, () => {});
} else {
  test.before(async () => {
    await Promise.all(addresses.map(startBackend));
    dns = await startDnsServer('point.test', addresses);
  });
  test.after.always(async () => {
    for (const address of [...backends.keys()]) await killBackend(address);
    await dns?.close();
  });

  const newPool = (poolSize = 2, deadlineMs = 2_000) => {
    const registry = new Registry();
    const pool = createPointClient({
      target: dns.target(grpcPort),
      poolSize,
      deadlineMs,
      resolveIntervalMs,
      registry,
    });
    return { pool, registry };
  };

  test.serial('calls spread evenly over every backend the name resolves to', async (t) => {
    dns.setAddresses(addresses);
    const { pool, registry } = newPool(2);
    await waitForConnections(pool, addresses, 2);
    const before = await succeededByBackend(registry);
    const failures = await load(() => pool.getUserListPoints(ids), 300, 8);
    const after = await succeededByBackend(registry);
    pool.close();

    const counts = addresses.map((address) => delta(after, before, address));
    t.log(`calls per backend: ${addresses.map((a, i) => `${a}=${counts[i]}`).join(' ')}`);
    t.deepEqual(failures, []);
    t.is(
      counts.reduce((sum, n) => sum + n, 0),
      300,
    );
    t.true(Math.max(...counts) / Math.min(...counts) <= 1.5, `uneven: ${counts.join(', ')}`);
  });

  test.serial(
    'killing a backend mid-load loses no call (at most 0.5%): the retry policy moves it',
    async (t) => {
      dns.setAddresses(addresses);
      const { pool } = newPool(2);
      await waitForConnections(pool, addresses, 2);
      const victim = addresses[3] as string;
      let killed: Promise<void> | undefined;
      const failures = await load(
        () => pool.getUserListPoints(ids),
        600,
        16,
        (done) => {
          if (done === 150) killed = killBackend(victim);
        },
      );
      await killed;
      pool.close();
      const described = failures.map((error) => {
        const cause = (error as Error).cause as { code?: number; details?: string } | undefined;
        return `${(error as Error).message} (gRPC ${cause?.code}: ${cause?.details})`;
      });
      t.log(
        `failed calls after killing ${victim}: ${failures.length} of 600 ${described.join('; ')}`,
      );
      // Calls on the dead connection are retried on another backend by the service config's retry
      // policy. The stated tolerance, 3 in 600 (0.5%), covers a call whose reply was already on the
      // wire when the backend died: gRPC has committed to that attempt and will not retry it.
      t.true(failures.length <= 3, described.join('\n'));
      await startBackend(victim);
    },
  );

  test.serial('a backend added to the name gets calls within the max connection age', async (t) => {
    const [first, second, third, added] = addresses as [string, string, string, string];
    dns.setAddresses([first, second, third]);
    const { pool, registry } = newPool(2);
    await waitForConnections(pool, [first, second, third], 2);
    dns.setAddresses([first, second, third, added]);
    const changed = Date.now();
    // Generous slack: on a loaded CI machine process start-up and reconnects are slow.
    const bound = maxConnectionAgeMs * 1.1 + maxConnectionAgeGraceMs + resolveIntervalMs + 10_000;
    let reachedAfter: number | undefined;
    while (reachedAfter === undefined && Date.now() - changed < bound) {
      await load(() => pool.getUserListPoints(ids), 20, 4);
      if (((await succeededByBackend(registry)).get(added) ?? 0) > 0)
        reachedAfter = Date.now() - changed;
    }
    pool.close();
    t.log(`new backend ${added} took its first call ${reachedAfter} ms after it was added`);
    t.truthy(reachedAfter, `no call reached ${added} within ${bound} ms`);
  });

  test.serial(
    'with every backend gone, users answer 503 within the deadline and recover by themselves',
    async (t) => {
      dns.setAddresses(addresses);
      const port = await freePort();
      const user = spawnService('user', {
        HOST: '127.0.0.1',
        PORT: String(port),
        DATABASE_URL: databaseUrl,
        POINT_SERVICE_ADDR: dns.target(grpcPort),
        POINT_DEADLINE_MS: '1000',
        POINT_RESOLVE_INTERVAL_MS: String(resolveIntervalMs),
        GRPC_NODE_USE_ALTERNATIVE_RESOLVER: 'true',
      });
      const users = `http://127.0.0.1:${port}/api/users/v1/users?limit=3`;
      try {
        await waitUntilReady(user, `http://127.0.0.1:${port}/readyz`);
        const first = await getJson(users);
        t.is(first.status, 200, `${JSON.stringify(first.body)}\n${user.output()}`);

        dns.setAddresses([]);
        for (const address of [...backends.keys()]) await killBackend(address);
        const started = Date.now();
        const { status, body } = await getJson(users);
        const elapsed = Date.now() - started;
        t.log(`with no backend: ${status} after ${elapsed} ms`);
        t.is(status, 503);
        t.true(isFailure(body, /^the point service is unavailable$/), JSON.stringify(body));
        t.true(elapsed < 1_000 + 1_000, `took ${elapsed} ms with a 1000 ms deadline`);

        await Promise.all(addresses.map(startBackend));
        dns.setAddresses(addresses);
        const restored = Date.now();
        let recovered = false;
        while (!recovered && Date.now() - restored < 15_000) {
          recovered = (await getJson(users)).status === 200;
          if (!recovered) await sleep(200);
        }
        t.log(`recovered ${Date.now() - restored} ms after the backends came back`);
        t.true(recovered, 'the users endpoint did not recover within 15 s');
      } finally {
        user.child.kill('SIGTERM');
        await user.exited();
      }
    },
  );
}
