// The bundles the image runs (`node scripts/build.ts`): ASCII, self-contained but for Node's built-ins,
// and, started as the pods start them, a working system on every database: REST through the
// shared middleware, users with their points over gRPC (proto/point.proto found from the bundle),
// point's gRPC health service (grpc-health-check's own .proto), and a clean stop on SIGTERM.
import { readFile } from 'node:fs/promises';
import { isBuiltin } from 'node:module';
import { sampleUserIds } from '@backend/common/database/sample-data';
import { checkHealth } from '@backend/common/grpc/health-client';
import { testDatabases } from '@backend/common/testing/databases';
import { killedAfterTests } from '@backend/common/testing/killed-after-tests';
import { startService } from '@backend/common/testing/processes';
import test from 'ava';
import { buildServices, bundlePath, services } from './build.ts';

const databases = await testDatabases();
test.before(() => buildServices());
const track = killedAfterTests();

test('each bundle is ASCII (Node then keeps its source at one byte per character) and imports nothing but Node built-ins', async (t) => {
  for (const name of services) {
    const code = await readFile(bundlePath(name), 'utf8');
    t.notRegex(code, /[\u0080-\uffff]/, name);
    // A package module given its own __dirname keeps its "use strict" directive first.
    for (const [, before] of code.matchAll(/\n(.*)\n\s*var __dirname = /g)) {
      t.regex(before ?? '', /^\s*"use strict";$/, name);
    }
    const imported = [...code.matchAll(/^import .* from ["']([^"']+)["'];?$/gm)].map(
      ([, specifier]) => specifier,
    );
    t.true(imported.length > 0, name);
    t.deepEqual(
      imported.filter((specifier) => !isBuiltin(specifier ?? '')),
      [],
      name,
    );
  }
});

for (const { dialect, url } of databases) {
  test.serial(`[${dialect}] the bundled services serve and stop cleanly`, async (t) => {
    const start = (name: string, env: Record<string, string> = {}) =>
      startService(name, { DATABASE_URL: url, ...env }, track, 'bundle');
    const point = await start('point');
    const user = await start('user', { POINT_SERVICE_ADDR: `127.0.0.1:${point.port}` });
    const department = await start('department');

    t.is(await checkHealth(`127.0.0.1:${point.port}`), 'SERVING');
    const departments = await fetch(`${department.base}/api/departments/v1/departments`);
    t.is(departments.status, 200);
    t.like(await departments.json(), { result: 'success' });

    const users = await fetch(`${user.base}/api/users/v1/users?limit=100`);
    t.is(users.status, 200);
    const { data } = (await users.json()) as {
      data: { list: { id: string; point: unknown }[] };
    };
    const alice = data.list.find(({ id }) => id === sampleUserIds['Alice Johnson']);
    t.is(alice?.point, 23, 'a seeded user, with her points from the point service');

    for (const service of [user, department, point]) {
      service.process.child.kill('SIGTERM');
      t.is(await service.process.exited(), 0, service.process.output());
    }
  });
}
