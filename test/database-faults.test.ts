// A database that goes away and comes back, for every service: requests fail fast with 503 /
// UNAVAILABLE (never a hang past the deadline), readiness turns 503 / NOT_SERVING, and
// everything recovers by itself. The link is a TCP proxy the test can cut or freeze.
import { setTimeout as sleep } from 'node:timers/promises';
import { sampleUserIds } from '@backend/common/database/sample-data';
import { checkHealth } from '@backend/common/grpc/health-client';
import { testDatabases } from '@backend/common/testing/databases';
import { getJson, isFailure } from '@backend/common/testing/http';
import { captureLogs } from '@backend/common/testing/logs';
import { startTcpProxy, type TcpProxy } from '@backend/common/testing/tcp-proxy';
import { status } from '@grpc/grpc-js';
import test from 'ava';
import { plainPointClient } from '../proto/point.ts';
import { loadDepartmentConfig } from '../services/department/src/config.ts';
import { startDepartmentService } from '../services/department/src/main.ts';
import { loadPointConfig } from '../services/point/src/config.ts';
import { startPointService } from '../services/point/src/main.ts';
import { loadUserConfig } from '../services/user/src/config.ts';
import { startUserService } from '../services/user/src/main.ts';

const queryTimeoutMs = 1_000;
const alice = sampleUserIds['Alice Johnson'] as string;
// An embedded SQLite file cannot be cut off from the process; these faults need a server.
const databases = (await testDatabases()).filter((database) => database.dialect !== 'sqlite');

/** Polls `probe` until it returns true; resolves with the time it took. */
async function within(limitMs: number, probe: () => Promise<boolean>): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < limitMs) {
    if (await probe().catch(() => false)) return Date.now() - started;
    await sleep(100);
  }
  throw new Error(`not within ${limitMs} ms`);
}

for (const database of databases) {
  const tag = `[${database.dialect}]`;
  const env = (proxy: TcpProxy) => ({
    HOST: '127.0.0.1',
    PORT: '0',
    DATABASE_URL: proxy.urlFor(database.url),
    DATABASE_CONNECT_TIMEOUT_MS: '1000',
    DATABASE_QUERY_TIMEOUT_MS: String(queryTimeoutMs),
  });
  const target = new URL(database.url);
  const newProxy = () => startTcpProxy(target.hostname, Number(target.port));

  for (const mode of ['refuse', 'freeze'] as const) {
    test.serial(
      `${tag} REST services: database ${mode === 'refuse' ? 'down' : 'frozen'}, then back`,
      async (t) => {
        const proxy = await newProxy();
        const logs = captureLogs('faults');
        const department = await startDepartmentService(
          loadDepartmentConfig(env(proxy)),
          logs.logger,
        );
        const point = await startPointService(
          loadPointConfig({ ...env(proxy), HTTP_PORT: '0' }),
          logs.logger,
        );
        const user = await startUserService(
          loadUserConfig({ ...env(proxy), POINT_SERVICE_ADDR: `127.0.0.1:${point.port}` }),
          logs.logger,
        );
        const endpoints = [
          [`http://127.0.0.1:${department.port}`, '/api/departments/v1/departments'],
          [`http://127.0.0.1:${user.port}`, '/api/users/v1/users'],
        ] as const;
        try {
          for (const [base, path] of endpoints) t.is((await getJson(`${base}${path}`)).status, 200);

          proxy.setMode(mode);
          for (const [base, path] of endpoints) {
            const started = Date.now();
            const { status: code, body } = await getJson(`${base}${path}`);
            const elapsed = Date.now() - started;
            t.log(
              `${path} with the database link ${mode === 'refuse' ? 'cut' : 'frozen'}: ${code} after ${elapsed} ms`,
            );
            t.is(code, 503);
            t.true(isFailure(body, /unavailable|did not answer/), JSON.stringify(body));
            t.true(elapsed < queryTimeoutMs + 1_500, `${elapsed} ms is past the deadline`);
            const notReady = await within(
              5_000,
              async () => (await fetch(`${base}/readyz`)).status === 503,
            );
            t.log(`${base}/readyz turned 503 after ${notReady} ms`);
            t.is((await fetch(`${base}/livez`)).status, 200);
          }

          proxy.setMode('pass');
          for (const [base, path] of endpoints) {
            const back = await within(
              15_000,
              async () => (await getJson(`${base}${path}`)).status === 200,
            );
            await within(5_000, async () => (await fetch(`${base}/readyz`)).status === 200);
            t.log(`${path} recovered ${back} ms after the database came back`);
          }
        } finally {
          await user.stop();
          await point.stop();
          await department.stop();
          await proxy.close();
        }
      },
    );

    test.serial(
      `${tag} point: database ${mode === 'refuse' ? 'down' : 'frozen'}, then back`,
      async (t) => {
        const proxy = await newProxy();
        const point = await startPointService(
          loadPointConfig({ ...env(proxy), HTTP_PORT: '0' }),
          captureLogs('point').logger,
        );
        const target = `127.0.0.1:${point.port}`;
        const client = plainPointClient(target);
        try {
          t.deepEqual(await client.getUserPoints(alice), { user_point: '23' });
          proxy.setMode(mode);
          const started = Date.now();
          const error = await t.throwsAsync(client.getUserListPoints([alice]));
          t.is((error as unknown as { code: number }).code, status.UNAVAILABLE);
          t.true(Date.now() - started < queryTimeoutMs + 1_500);
          await within(
            5_000,
            async () => (await checkHealth(target, 'point.PointServer')) === 'NOT_SERVING',
          );
          proxy.setMode('pass');
          await within(15_000, async () => (await client.getUserPoints(alice)).user_point === '23');
          await within(
            5_000,
            async () => (await checkHealth(target, 'point.PointServer')) === 'SERVING',
          );
          t.is(await checkHealth(target, ''), 'SERVING');
        } finally {
          client.close();
          await point.stop();
          await proxy.close();
        }
      },
    );
  }
}
