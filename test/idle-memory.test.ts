// Idle memory of real service processes, run from their sources and as the image runs them (the
// bundles of scripts/build.ts): the heap start-up leaves behind is given back once the service is
// up, and no service makes Node load undici, its fetch implementation, by importing node:http
// (common/src/http/cjs.ts says why that matters).
import { sampleUserIds } from '@backend/common/database/sample-data';
import { prepareSqlite } from '@backend/common/testing/databases';
import { rawPointClient } from '@backend/common/testing/grpc';
import {
  repositoryRoot,
  type ServiceEntry,
  type ServiceProcess,
  startService,
} from '@backend/common/testing/processes';
import test from 'ava';
import { buildServices } from '../scripts/build.ts';

const databaseUrl = await prepareSqlite();
test.before(() => buildServices());
const running: ServiceProcess[] = [];
test.after.always(() => {
  for (const service of running) service.child.kill('SIGKILL');
});

const start = (entry: ServiceEntry, name: string, env: Record<string, string> = {}) =>
  startService(
    name,
    {
      DATABASE_URL: databaseUrl,
      LOG_LEVEL: 'debug',
      NODE_OPTIONS: `--import ${repositoryRoot}test/fixtures/report-undici.mjs`,
      ...env,
    },
    (service) => running.push(service),
    entry,
  );

/** Stops the service and reads back what it logged about its memory and its modules. */
async function stopAndRead(service: ServiceProcess) {
  // The release at start comes a moment after ready; a service stopped sooner never runs it.
  const deadline = Date.now() + 5_000;
  while (!service.output().includes('released unused heap') && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  service.child.kill('SIGTERM');
  await service.exited();
  const lines = service
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  return {
    releases: lines.filter((line) => line.msg === 'released unused heap while idle'),
    undiciLoaded: lines.find((line) => 'undici_loaded' in line)?.undici_loaded,
  };
}

const ids = Object.values(sampleUserIds);

const givesBackAndSkipsUndici = test.macro(async (t, entry: ServiceEntry) => {
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
  const client = rawPointClient(`127.0.0.1:${point.port}`);
  t.truthy(await client.getUserListPoints(ids));
  client.close();
  await fetch(`${point.base}/metrics`).then((response) => response.arrayBuffer());

  for (const [name, started] of Object.entries({ user, department, point })) {
    const { releases, undiciLoaded } = await stopAndRead(started.process);
    const [first] = releases;
    t.truthy(first, `${name} logged no release`);
    t.log(`${name}: RSS ${first?.rss_mb_before} → ${first?.rss_mb_after} MB at start`);
    t.true(Number(first?.rss_mb_after) < Number(first?.rss_mb_before), name);
    t.is(undiciLoaded, false, `${name} loaded undici`);
  }
});

test(
  'from the sources: every service gives back start-up heap once up, and never loads undici',
  givesBackAndSkipsUndici,
  'sources',
);
test(
  'bundled: every service gives back start-up heap once up, and never loads undici',
  givesBackAndSkipsUndici,
  'bundle',
);
