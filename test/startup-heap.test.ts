// Real service processes, run from their sources and as the image runs them (the bundles of
// scripts/build.ts), give back the heap loading the modules left before they start, while
// process.nextTick has not run yet (common/src/startup-heap.ts says why).
import { sampleUserIds } from '@backend/common/database/sample-data';
import { prepareSqlite } from '@backend/common/testing/databases';
import { killedAfterTests } from '@backend/common/testing/killed-after-tests';
import {
  repositoryRoot,
  type ServiceEntry,
  type ServiceProcess,
  startService,
} from '@backend/common/testing/processes';
import test from 'ava';
import { plainPointClient } from '../proto/point.ts';
import { buildServices } from '../scripts/build.ts';

const databaseUrl = await prepareSqlite();
test.before(() => buildServices());
const track = killedAfterTests();

const start = (entry: ServiceEntry, name: string, env: Record<string, string> = {}) =>
  startService(
    name,
    {
      DATABASE_URL: databaseUrl,
      LOG_LEVEL: 'debug',
      NODE_OPTIONS: `--import ${repositoryRoot}test/fixtures/count-ticks.mjs`,
      ...env,
    },
    track,
    entry,
  );

/** Stops the service and reads back what it logged about its memory and its ticks. */
async function stopAndRead(service: ServiceProcess) {
  service.child.kill('SIGTERM');
  await service.exited();
  const lines = service
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  const find = (key: string) => lines.find((line) => key in line)?.[key];
  return {
    messages: lines.map((line) => line.msg),
    release: lines.find((line) => line.msg === 'released unused heap before start'),
    ticksBeforeRelease: find('ticks_before_release'),
  };
}

const ids = Object.values(sampleUserIds);

const givesBack = test.macro(async (t, entry: ServiceEntry) => {
  const point = await start(entry, 'point');
  const user = await start(entry, 'user', { POINT_SERVICE_ADDR: `127.0.0.1:${point.port}` });
  const department = await start(entry, 'department');

  // Every kind of response each serves: the API, the failure envelope, metrics, gRPC.
  for (const [base, path] of [
    [user.base, '/api/users/v1/users?limit=5'],
    [department.base, '/api/departments/v1/departments'],
  ] as const) {
    for (const url of [`${base}${path}`, `${base}/nowhere`, `${base}/metrics`]) {
      const response = await fetch(url);
      await response.arrayBuffer();
    }
  }
  const client = plainPointClient(`127.0.0.1:${point.port}`);
  t.truthy(await client.getUserListPoints(ids));
  client.close();
  await fetch(`${point.base}/metrics`).then((response) => response.arrayBuffer());

  for (const [name, started] of Object.entries({ user, department, point })) {
    const { messages, release, ticksBeforeRelease } = await stopAndRead(started.process);
    t.truthy(release, `${name} logged no release`);
    t.log(`${name}: RSS ${release?.rss_mb_before} → ${release?.rss_mb_after} MB before start`);
    t.true(Number(release?.rss_mb_after) < Number(release?.rss_mb_before), name);
    t.is(ticksBeforeRelease, 0, `${name} ran process.nextTick before its release`);
    t.true(
      messages.indexOf('released unused heap before start') < messages.indexOf(`${name} started`),
      `${name} released after it started`,
    );
  }
});

test(
  'from the sources: every service gives back start-up heap before it starts',
  givesBack,
  'sources',
);
test('bundled: every service gives back start-up heap before it starts', givesBack, 'bundle');
