// `node scripts/warm-compile-cache.ts`, as the image build runs it: it fills the directory in
// NODE_COMPILE_CACHE, a bundled service started on that cache loads its code from it and serves,
// and a wrong call is refused with the reason.
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { prepareSqlite } from '@backend/common/testing/databases';
import {
  freePort,
  repositoryRoot,
  spawnService,
  waitUntilReady,
} from '@backend/common/testing/processes';
import test from 'ava';
import { buildService } from './build.ts';

const run = promisify(execFile);
const databaseUrl = await prepareSqlite();
const warm = (args: string[], env: Record<string, string>) =>
  run(process.execPath, ['scripts/warm-compile-cache.ts', ...args], {
    cwd: repositoryRoot,
    env: { PATH: process.env.PATH, ...env },
  });

let dir: string;
test.before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'compile-cache-'));
  await buildService('department');
});
test.after.always(async () => {
  await rm(dir, { recursive: true, force: true });
});

test.serial('fills the cache with the bundle and what the migration Job loads', async (t) => {
  const { stdout } = await warm(['department'], { NODE_COMPILE_CACHE: dir });
  t.regex(stdout, /^compile cache for department in .+/);
  // One subdirectory per Node version, architecture, V8 flags and uid; one file per module.
  const [tag] = await readdir(dir);
  t.regex(tag ?? '', new RegExp(`^${process.version}-${process.arch}-\\w+-${process.getuid?.()}$`));
  t.true((await readdir(join(dir, tag as string))).length > 300);
});

test.serial('a service started on the filled cache becomes ready and answers', async (t) => {
  const port = await freePort();
  const department = spawnService(
    'department',
    {
      DATABASE_URL: databaseUrl,
      PORT: String(port),
      NODE_COMPILE_CACHE: dir,
      NODE_DEBUG_NATIVE: 'COMPILE_CACHE',
    },
    'bundle',
  );
  try {
    await waitUntilReady(department, `http://127.0.0.1:${port}/readyz`);
    const response = await fetch(`http://127.0.0.1:${port}/api/departments/v1/departments`);
    t.is(response.status, 200);
    // Node's own trace: the bundle's code came from the cache, not from compiling it again.
    t.regex(
      department.output(),
      /reading cache from .* for ESM file:\/\/.*department\/dist\/main\.mjs.*success/,
    );
  } finally {
    department.child.kill('SIGTERM');
    await department.exited();
  }
});

test('refuses an unknown service and a missing NODE_COMPILE_CACHE, saying why', async (t) => {
  const unknown = await t.throwsAsync(warm(['billing'], { NODE_COMPILE_CACHE: dir }));
  t.like(unknown, { code: 2 });
  t.regex((unknown as Error & { stderr: string }).stderr, /unknown service billing/);
  const unset = await t.throwsAsync(warm(['point'], {}));
  t.like(unset, { code: 2 });
  t.regex((unset as Error & { stderr: string }).stderr, /NODE_COMPILE_CACHE is not set/);
});
