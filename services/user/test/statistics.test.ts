// The users statistics are cached: never older than STATS_MAX_AGE_MS, one computation at a time.
import { setTimeout as sleep } from 'node:timers/promises';
import { baseSchema, loadConfig } from '@backend/common/config';
import { openDatabase } from '@backend/common/database/database';
import { testDatabases } from '@backend/common/testing/databases';
import { getJson } from '@backend/common/testing/http';
import { captureLogs } from '@backend/common/testing/logs';
import test from 'ava';
import { loadPointConfig } from '../../point/src/config.ts';
import { startPointService } from '../../point/src/main.ts';
import { loadUserConfig } from '../src/config.ts';
import { startUserService } from '../src/main.ts';
import { createPointClient } from '../src/point-client.ts';
import { createUserListing } from '../src/user-listing.ts';
import { createUserRepository } from '../src/user-repository.ts';

const databases = await testDatabases();
const running: { stop(): Promise<void> }[] = [];
test.after.always(async () => {
  for (const service of running.reverse()) await service.stop();
});

async function startUser(url: string, statsMaxAgeMs: number) {
  const logger = captureLogs('user').logger;
  const point = await startPointService(
    loadPointConfig({ HOST: '127.0.0.1', PORT: '0', HTTP_PORT: '0', DATABASE_URL: url }),
    logger,
  );
  const user = await startUserService(
    loadUserConfig({
      HOST: '127.0.0.1',
      PORT: '0',
      DATABASE_URL: url,
      POINT_SERVICE_ADDR: `127.0.0.1:${point.port}`,
      STATS_MAX_AGE_MS: String(statsMaxAgeMs),
    }),
    logger,
  );
  running.push(point, user);
  return `http://127.0.0.1:${user.port}`;
}

const selects = async (base: string) => {
  const text = await (await fetch(`${base}/metrics`)).text();
  const line = text
    .split('\n')
    .find((l) => l.startsWith('db_queries_total{') && l.includes('operation="select"'));
  return Number(line?.split(' ').pop() ?? 0);
};

for (const database of databases) {
  const tag = `[${database.dialect}]`;

  test.serial(
    `${tag} 50 concurrent requests on a cold cache run the statistics query once`,
    async (t) => {
      const base = await startUser(database.url, 60_000);
      const before = await selects(base);
      const responses = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          getJson(`${base}/api/users/v1/users?limit=1&page=${1 + (i % 9)}`),
        ),
      );
      t.true(responses.every((r) => r.status === 200 && r.body.data.count === '9'));
      t.is((await selects(base)) - before, 50 + 1, '50 pages and one statistics query');
    },
  );

  test.serial(
    `${tag} a new user is counted by every request that starts STATS_MAX_AGE_MS later`,
    async (t) => {
      const maxAgeMs = 400;
      const base = await startUser(database.url, maxAgeMs);
      const count = async () =>
        (await getJson(`${base}/api/users/v1/users?limit=1`)).body.data.count;
      t.is(await count(), '9');
      const writer = await openDatabase(
        loadConfig(baseSchema, { DATABASE_URL: database.url }),
        captureLogs().logger,
      );
      try {
        const user = writer.quote('user');
        await writer.query(
          `insert into ${user} (id, name, email, age, salary) values (?, ?, ?, ?, ?)`,
          ['c1000000-0000-4000-8000-000000000010', 'Zed Newcomer', 'zed@example.com', 50, 100000],
        );
        await sleep(maxAgeMs + 50);
        for (let i = 0; i < 5; i++) t.is(await count(), '10');
      } finally {
        await writer.query(`delete from ${writer.quote('user')} where email = ?`, [
          'zed@example.com',
        ]);
        await writer.close();
      }
    },
  );

  test.serial(
    `${tag} a statistics query slower than half the bound is logged, once a minute at most`,
    async (t) => {
      const reader = await openDatabase(
        loadConfig(baseSchema, { DATABASE_URL: database.url }),
        captureLogs().logger,
      );
      // Never called: a page past the end has no users whose points to fetch.
      const points = createPointClient({
        target: '127.0.0.1:1',
        poolSize: 1,
        deadlineMs: 100,
        resolveIntervalMs: 1_000,
      });
      const logs = captureLogs('user');
      try {
        const repository = createUserRepository(reader);
        const listing = createUserListing({
          // The real query, made slow the way a big table makes it slow.
          users: {
            ...repository,
            statistics: async () => {
              await sleep(40);
              return repository.statistics();
            },
          },
          points,
          statisticsMaxAgeMs: 60,
          logger: logs.logger,
        });
        const pastTheEnd = {
          limit: 1,
          page: 1_000_000,
          offset: 999_999,
          orderBy: 'name',
          direction: 'asc',
        } as const;
        t.is((await listing.list(pastTheEnd, 'first')).count, '9');
        await sleep(80); // past the bound: computed again, and slow again
        t.is((await listing.list(pastTheEnd, 'second')).count, '9');
        const warnings = logs.lines().filter((line) => line.level === 40);
        t.is(warnings.length, 1);
        t.like(warnings[0], { stats_max_age_ms: 60 });
        t.true(Number(warnings[0]?.took_ms) >= 40);
        t.regex(String(warnings[0]?.msg), /raise STATS_MAX_AGE_MS/);
      } finally {
        points.close();
        await reader.close();
      }
    },
  );
}
