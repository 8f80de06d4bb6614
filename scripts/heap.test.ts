// `npm run heap -- <service> --url …` against a real point process with its debug listener on:
// the files it writes parse, it says what opens them, and a refusal is an error with the reason.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { prepareSqlite } from '@backend/common/testing/databases';
import {
  freePort,
  repositoryRoot,
  type ServiceProcess,
  spawnService,
  waitUntilReady,
} from '@backend/common/testing/processes';
import test from 'ava';
import { Profile } from 'pprof-format';

const databaseUrl = await prepareSqlite();
const run = promisify(execFile);

let point: ServiceProcess;
let url: string;
let dir: string;
test.before(async () => {
  const [grpcPort, httpPort, debugPort] = [await freePort(), await freePort(), await freePort()];
  point = spawnService('point', {
    DATABASE_URL: databaseUrl,
    PORT: String(grpcPort),
    HTTP_PORT: String(httpPort),
    DEBUG_ENABLED: 'true',
    DEBUG_PORT: String(debugPort),
  });
  await waitUntilReady(point, `http://127.0.0.1:${httpPort}/readyz`);
  url = `http://127.0.0.1:${debugPort}`;
  dir = await mkdtemp(join(tmpdir(), 'heap-cli-'));
});
test.after.always(async () => {
  point?.child.kill('SIGKILL');
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** `node scripts/heap.ts …args` as `npm run heap -- …args` runs it; never rejects. */
const heap = (...args: string[]) =>
  run(process.execPath, ['scripts/heap.ts', ...args], { cwd: repositoryRoot }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => error,
  );

test.serial(
  'downloads a heap snapshot that parses, with progress, and names Chrome DevTools',
  async (t) => {
    const out = join(dir, 'point.heapsnapshot');
    const { code, stdout, stderr } = await heap('point', '--url', url, '--out', out);
    t.is(code, 0, stderr);
    t.regex(stderr, /received \d+\.\d MiB/);
    t.regex(stdout, new RegExp(`wrote ${out} \\(\\d+\\.\\d MiB\\) from ${url}`));
    t.regex(stdout, /Chrome DevTools → Memory tab → Load…/);
    const snapshot = JSON.parse(await readFile(out, 'utf8'));
    t.true(snapshot.snapshot.node_count > 10_000);
    t.true(snapshot.strings.includes('point.PointServer'));
  },
);

test.serial(
  'downloads pprof heap and CPU profiles that decode, and names go tool pprof',
  async (t) => {
    for (const [profile, extra] of [
      ['heap', []],
      ['cpu', ['--seconds', '1']],
    ] as const) {
      const out = join(dir, `point.${profile}.pb.gz`);
      const { code, stdout, stderr } = await heap(
        'point',
        '--profile',
        profile,
        ...extra,
        '--url',
        url,
        '--out',
        out,
      );
      t.is(code, 0, stderr);
      t.regex(stdout, new RegExp(`go tool pprof -http=: ${out}`));
      const decoded = Profile.decode(gunzipSync(await readFile(out)));
      const types = decoded.sampleType.map(
        (type) => decoded.stringTable.strings[Number(type.type)],
      );
      t.deepEqual(types, profile === 'heap' ? ['objects', 'space'] : ['samples', 'cpu']);
      // An idle process has no CPU samples to show (test/debug-listener.test.ts profiles one at work).
      if (profile === 'heap') t.true(decoded.sample.length > 0);
      else t.true(Number(decoded.durationNanos) >= 900_000_000);
    }
  },
);

test.serial(
  'a busy listener, a closed port or a bad argument is an error with the reason, and no file',
  async (t) => {
    const cpu = heap(
      'point',
      '--profile',
      'cpu',
      '--seconds',
      '2',
      '--url',
      url,
      '--out',
      join(dir, 'a'),
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    const busy = await heap('point', '--url', url, '--out', join(dir, 'b.heapsnapshot'));
    t.is(busy.code, 1);
    t.regex(busy.stderr, /409 from .*: a CPU profile is being taken/);
    await t.throwsAsync(stat(join(dir, 'b.heapsnapshot')));
    t.is((await cpu).code, 0);

    const closed = await heap('point', '--url', `http://127.0.0.1:${await freePort()}`);
    t.is(closed.code, 1);
    t.regex(
      closed.stderr,
      /^heap: cannot reach http:\/\/127\.0\.0\.1:\d+\/debug\/heap-snapshot: ECONNREFUSED$/m,
    );
    const bad = await heap('nobody', '--url', url);
    t.is(bad.code, 1);
    t.regex(bad.stderr, /usage: npm run heap -- <department\|user\|point>/);
  },
);
