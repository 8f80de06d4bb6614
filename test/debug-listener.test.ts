// The debug listener of a real service process: off unless DEBUG_ENABLED, bound to 127.0.0.1
// only, a streamed heap snapshot that parses, pprof profiles that decode with samples, one at a
// time (409), without disturbing the main listener, and closed by SIGTERM.
import { once } from 'node:events';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { gunzipSync } from 'node:zlib';
import { prepareSqlite } from '@backend/common/testing/databases';
import { getJson, isFailure } from '@backend/common/testing/http';
import { killedAfterTests } from '@backend/common/testing/killed-after-tests';
import {
  freePort,
  type ServiceProcess,
  spawnService,
  waitUntilReady,
} from '@backend/common/testing/processes';
import test from 'ava';
import { Profile } from 'pprof-format';

const databaseUrl = await prepareSqlite();
// The services' own temporary directory (TMPDIR), where heap snapshots are written.
const serviceTmp = await mkdtemp(join(tmpdir(), 'debug-tmp-'));

/** Whether a TCP connection to host:port is accepted. */
async function accepts(host: string, port: number): Promise<boolean> {
  const socket = connect({ host, port });
  try {
    await Promise.race([once(socket, 'connect'), sleep(2_000).then(() => Promise.reject())]);
    return true;
  } catch {
    return false;
  } finally {
    socket.destroy();
  }
}

async function startDepartment(env: Record<string, string>) {
  const port = await freePort();
  const service = spawnService('department', {
    DATABASE_URL: databaseUrl,
    PORT: String(port),
    TMPDIR: serviceTmp,
    ...env,
  });
  await waitUntilReady(service, `http://127.0.0.1:${port}/readyz`);
  return { service, port };
}

const decode = async (response: Response) =>
  Profile.decode(gunzipSync(Buffer.from(await response.arrayBuffer())));

const track = killedAfterTests();
let off: { service: ServiceProcess; port: number; debugPort: number };
let on: { service: ServiceProcess; port: number; debugPort: number };
let debug: string;
test.before(async () => {
  const offPort = await freePort();
  off = { ...(await startDepartment({ DEBUG_PORT: String(offPort) })), debugPort: offPort };
  const onPort = await freePort();
  on = {
    ...(await startDepartment({ DEBUG_ENABLED: 'true', DEBUG_PORT: String(onPort) })),
    debugPort: onPort,
  };
  track(off.service);
  track(on.service);
  debug = `http://127.0.0.1:${onPort}`;
});
test.after.always(() => rm(serviceTmp, { recursive: true, force: true }));

test.serial(
  'off by default: nothing listens on DEBUG_PORT unless DEBUG_ENABLED=true',
  async (t) => {
    t.false(await accepts('127.0.0.1', off.debugPort));
    t.notRegex(off.service.output(), /debug listener/);
    t.true(await accepts('127.0.0.1', on.debugPort));
    t.regex(on.service.output(), /"address":"127\.0\.0\.1".*debug listener on loopback only/);
  },
);

test.serial(
  'bound to 127.0.0.1 only: not reachable on any other address of this machine',
  async (t) => {
    // The main listener (HOST=0.0.0.0) answers on 127.0.0.2, so that address does reach this host.
    t.true(await accepts('127.0.0.2', on.port), 'the main listener is reachable on 127.0.0.2');
    t.false(await accepts('127.0.0.2', on.debugPort), 'the debug listener is not');
    const others = Object.values(networkInterfaces())
      .flat()
      .filter((address) => address && !address.internal && address.family === 'IPv4')
      .map((address) => address?.address as string);
    for (const address of others) t.false(await accepts(address, on.debugPort), address);
    t.false(await accepts('::1', on.debugPort), '::1');
  },
);

test.serial('the index page lists the snapshot and the profiles', async (t) => {
  const response = await fetch(`${debug}/`);
  t.is(response.status, 200);
  t.regex(response.headers.get('content-type') ?? '', /text\/html/);
  const page = await response.text();
  for (const path of ['/debug/heap-snapshot', '/debug/pprof/heap', '/debug/pprof/profile']) {
    t.true(page.includes(path), path);
  }
  const missing = await getJson(`${debug}/debug/nothing`);
  t.is(missing.status, 404);
  t.true(isFailure(missing.body, /no such page/));
});

test.serial(
  'a heap snapshot downloads as an attachment and parses as a V8 heap snapshot',
  async (t) => {
    await fetch(`http://127.0.0.1:${on.port}/api/departments/v1/departments`);
    const response = await fetch(`${debug}/debug/heap-snapshot`);
    t.is(response.status, 200);
    t.regex(
      response.headers.get('content-disposition') ?? '',
      /^attachment; filename="department-.+\.heapsnapshot"$/,
    );
    const text = await response.text();
    t.is(Number(response.headers.get('content-length')), Buffer.byteLength(text));
    const snapshot = JSON.parse(text);
    const { meta, node_count } = snapshot.snapshot;
    t.true(meta.node_fields.includes('self_size'));
    t.true(node_count > 10_000);
    t.is(snapshot.nodes.length, node_count * meta.node_fields.length);
    t.true(snapshot.edges.length > 0);
    t.true(snapshot.strings.includes('/api/departments/v1/departments'));
  },
);

test.serial('the pprof heap profile decodes and holds live allocations by stack', async (t) => {
  const response = await fetch(`${debug}/debug/pprof/heap`);
  t.is(response.status, 200);
  t.regex(response.headers.get('content-disposition') ?? '', /\.heap\.pb\.gz"$/);
  const profile = await decode(response);
  const text = (index: unknown) => profile.stringTable.strings[Number(index)];
  t.deepEqual(
    profile.sampleType.map((type) => `${text(type.type)}/${text(type.unit)}`),
    ['objects/count', 'space/bytes'],
  );
  t.true(profile.sample.length > 0);
  t.true(profile.sample.every((sample) => sample.locationId.length > 0));
  t.true(profile.sample.reduce((sum, sample) => sum + Number(sample.value[1]), 0) > 1_000_000);
});

test.serial(
  'a CPU profile over ?seconds=N decodes with samples of the work done meanwhile',
  async (t) => {
    let busy = true;
    const load = (async () => {
      while (busy) {
        await fetch(`http://127.0.0.1:${on.port}/api/departments/v1/departments`);
        await sleep(20); // some work to sample, not a busy machine for the other test files
      }
    })();
    const started = Date.now();
    const response = await fetch(`${debug}/debug/pprof/profile?seconds=2`);
    busy = false;
    await load;
    t.is(response.status, 200);
    t.true(Date.now() - started >= 2_000);
    t.regex(response.headers.get('content-disposition') ?? '', /\.cpu\.pb\.gz"$/);
    const profile = await decode(response);
    t.true(profile.sample.length > 0);
    const files = profile.function.map((fn) => profile.stringTable.strings[Number(fn.filename)]);
    t.true(
      files.some((file) => file?.includes('/node_modules/koa/')),
      'the requests served meanwhile show up',
    );
    const bad = await getJson(`${debug}/debug/pprof/profile?seconds=61`);
    t.is(bad.status, 400);
    t.true(isFailure(bad.body, /seconds must be an integer from 1 to 60/));
  },
);

test.serial(
  'one at a time: while a profile runs, others get 409; the service keeps serving',
  async (t) => {
    const profiling = fetch(`${debug}/debug/pprof/profile?seconds=2`);
    await sleep(300);
    for (const path of ['/debug/heap-snapshot', '/debug/pprof/heap', '/debug/pprof/profile']) {
      const { status, body } = await getJson(`${debug}${path}`);
      t.is(status, 409, path);
      t.true(isFailure(body, /^a CPU profile is being taken; one snapshot or profile at a time/));
    }
    t.is((await fetch(`http://127.0.0.1:${on.port}/readyz`)).status, 200);
    t.is((await profiling).status, 200);
    t.is((await fetch(`${debug}/debug/pprof/heap`)).status, 200, 'free again afterwards');
  },
);

test.serial(
  'SIGTERM closes the debug listener, even mid-profile, and the process exits 0',
  async (t) => {
    const profiling = fetch(`${debug}/debug/pprof/profile?seconds=60`).then(
      (response) => response.status,
      () => 'connection closed',
    );
    await sleep(300);
    const started = Date.now();
    on.service.child.kill('SIGTERM');
    t.is(await on.service.exited(10_000), 0);
    t.true(Date.now() - started < 10_000);
    t.is(await profiling, 'connection closed');
    t.false(await accepts('127.0.0.1', on.debugPort));
    t.deepEqual(
      await readdir(serviceTmp),
      [],
      'no snapshot file is left in the temporary directory',
    );
  },
);
