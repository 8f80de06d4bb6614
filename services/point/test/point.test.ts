// The point service booted for real on every available database, called over real gRPC.

import { sampleUserIds } from '@backend/common/database/sample-data';
import { checkHealth } from '@backend/common/grpc/health-client';
import { testDatabases, unreachableUrl } from '@backend/common/testing/databases';
import { captureLogs } from '@backend/common/testing/logs';
import { status } from '@grpc/grpc-js';
import test from 'ava';
import { type PlainPointClient, plainPointClient } from '../../../proto/point.ts';
import { loadPointConfig } from '../src/config.ts';
import { startPointService } from '../src/main.ts';

const expectedPoints: Record<string, number> = {
  'Alice Johnson': 23,
  'Bob Smith': 43,
  'Charlie Brown': 28,
  'Diana Prince': 83,
  'Ethan Hunt': 13,
  'Fiona Gallagher': 33,
  'George Costanza': 93,
  'Hannah Baker': 13,
  'Ian Malcolm': 73,
};
const alice = sampleUserIds['Alice Johnson'] as string;
const nobody = '00000000-0000-4000-8000-00000000dead';

for (const database of await testDatabases()) {
  const tag = `[${database.dialect}]`;
  let service: Awaited<ReturnType<typeof startPointService>>;
  let target: string;
  let client: PlainPointClient;
  test.before(async () => {
    service = await startPointService(
      loadPointConfig({ HOST: '127.0.0.1', PORT: '0', HTTP_PORT: '0', DATABASE_URL: database.url }),
      captureLogs('point').logger,
    );
    target = `127.0.0.1:${service.port}`;
    client = plainPointClient(target);
  });
  test.after.always(async () => {
    client?.close();
    await service?.stop();
  });

  test(`${tag} GetUserPoints answers each sample user's points as a decimal string`, async (t) => {
    for (const [name, points] of Object.entries(expectedPoints)) {
      const reply = await client.getUserPoints(sampleUserIds[name] as string);
      t.is(reply.user_point, String(points), name);
    }
  });

  test(`${tag} GetUserPoints answers "0" for a user without points`, async (t) => {
    t.deepEqual(await client.getUserPoints(nobody), { user_point: '0' });
  });

  test(`${tag} GetUserPoints accepts an upper-case UUID`, async (t) => {
    t.deepEqual(await client.getUserPoints(alice.toUpperCase()), { user_point: '23' });
  });

  test(`${tag} GetUserListPoints answers one entry per requested user that has points`, async (t) => {
    const ids = [...Object.values(sampleUserIds), nobody];
    const reply = await client.getUserListPoints(ids);
    const expected = Object.fromEntries(
      Object.entries(expectedPoints).map(([name, points]) => [sampleUserIds[name], points]),
    );
    t.deepEqual(reply.user_points, expected);
  });

  test(`${tag} GetUserListPoints of no users is an empty map`, async (t) => {
    t.deepEqual(await client.getUserListPoints([]), { user_points: {} });
  });

  test(`${tag} GetUserListPoints tolerates duplicates and keeps the caller's spelling`, async (t) => {
    const reply = await client.getUserListPoints([alice, alice, alice.toUpperCase()]);
    t.deepEqual(reply.user_points, { [alice]: 23, [alice.toUpperCase()]: 23 });
  });

  const invalid: [string, () => Promise<unknown>, RegExp][] = [
    ['a user_id that is not a UUID', () => client.getUserPoints('42'), /user_id must be a UUID/],
    ['an empty user_id', () => client.getUserPoints(''), /user_id must be a UUID/],
    [
      'a UUID with SQL after it',
      () => client.getUserPoints(`${alice}' or 1=1 --`),
      /must be a UUID/,
    ],
    [
      'one bad id in a list',
      () => client.getUserListPoints([alice, 'x']),
      /user_ids\[1\] must be a UUID/,
    ],
    [
      'more than 1000 ids',
      () => client.getUserListPoints(Array.from({ length: 1001 }, () => alice)),
      /at most 1000 user_ids per call, got 1001/,
    ],
  ];
  for (const [situation, call, message] of invalid) {
    test(`${tag} ${situation} is INVALID_ARGUMENT`, async (t) => {
      const error = await t.throwsAsync(call);
      t.is((error as unknown as { code: number }).code, status.INVALID_ARGUMENT);
      t.regex(error?.message ?? '', message);
    });
  }

  test(`${tag} exactly 1000 ids are accepted`, async (t) => {
    const reply = await client.getUserListPoints(Array.from({ length: 1000 }, () => alice));
    t.deepEqual(reply.user_points, { [alice]: 23 });
  });

  test(`${tag} the health service reports SERVING for "" and point.PointServer`, async (t) => {
    t.is(await checkHealth(target, ''), 'SERVING');
    t.is(await checkHealth(target, 'point.PointServer'), 'SERVING');
    t.is(await checkHealth(target, 'no.such.Service'), 'SERVICE_UNKNOWN');
  });

  test(`${tag} the HTTP listener serves /livez, /readyz and /metrics`, async (t) => {
    const base = `http://127.0.0.1:${service.httpPort}`;
    t.is((await fetch(`${base}/livez`)).status, 200);
    t.deepEqual(await (await fetch(`${base}/readyz`)).json(), {
      result: 'success',
      data: { status: 'ready' },
    });
    const metrics = await (await fetch(`${base}/metrics`)).text();
    t.regex(metrics, /process_resident_memory_bytes/);
  });

  // An embedded SQLite file cannot become unreachable while the process has it open.
  if (database.dialect !== 'sqlite') {
    test(`${tag} a database that is down gives UNAVAILABLE (never an empty success) and NOT_SERVING`, async (t) => {
      const down = await startPointService(
        loadPointConfig({
          HOST: '127.0.0.1',
          PORT: '0',
          HTTP_PORT: '0',
          DATABASE_URL: unreachableUrl(database),
        }),
        captureLogs('point').logger,
      );
      const downClient = plainPointClient(`127.0.0.1:${down.port}`);
      try {
        for (const call of [
          () => downClient.getUserPoints(alice),
          () => downClient.getUserListPoints([alice]),
        ]) {
          const error = await t.throwsAsync(call);
          t.is((error as unknown as { code: number }).code, status.UNAVAILABLE);
        }
        t.is(await checkHealth(`127.0.0.1:${down.port}`, ''), 'NOT_SERVING');
        t.is(await checkHealth(`127.0.0.1:${down.port}`, 'point.PointServer'), 'NOT_SERVING');
        t.is((await fetch(`http://127.0.0.1:${down.httpPort}/readyz`)).status, 503);
        t.is((await fetch(`http://127.0.0.1:${down.httpPort}/livez`)).status, 200);
      } finally {
        downClient.close();
        await down.stop();
      }
    });
  }
}
