// `npm run bench` must keep working: the whole harness on a tiny dataset, a second per scenario.
// It asserts that it runs and reports, never how fast: figures belong in docs/BENCHMARKS.md.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { repositoryRoot } from '@backend/common/testing/processes';
import test from 'ava';

const servers = { postgresql: process.env.TEST_POSTGRES_URL, mysql: process.env.TEST_MYSQL_URL };

for (const [dialect, url] of Object.entries(servers)) {
  if (!url) {
    const reason = `${dialect === 'mysql' ? 'TEST_MYSQL_URL' : 'TEST_POSTGRES_URL'} is not set`;
    if (process.env.TEST_REQUIRE_ALL_DATABASES === '1')
      test(`[${dialect}] bench needs a server`, (t) => t.fail(reason));
    else test.skip(`[${dialect}] bench smoke test skipped: ${reason}`, () => {});
    continue;
  }
  test(`[${dialect}] npm run bench runs every scenario against the system and the baseline`, async (t) => {
    const child = spawn(
      process.execPath,
      [
        'bench/run.ts',
        '--dialects',
        dialect,
        '--sizes',
        '1000',
        '--seconds',
        '1',
        '--warmup',
        '1',
        '--connections',
        '4',
        '--cpu-seconds',
        '1',
        '--settle',
        '1',
        '--rounds',
        '1',
        '--no-write',
      ],
      {
        cwd: repositoryRoot,
        env: {
          PATH: process.env.PATH,
          BENCH_POSTGRES_URL: servers.postgresql,
          BENCH_MYSQL_URL: servers.mysql,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const [code] = await once(child, 'close'); // after the output has ended
    t.is(code, 0, output);
    for (const scenario of ['users', 'departments', 'points']) {
      t.regex(output, new RegExp(`${scenario} · system: \\d+ req/s, .*, 0 errors`), output);
      t.regex(output, new RegExp(`${scenario} · baseline: \\d+ req/s, .*, 0 errors`), output);
    }
    t.regex(output, /points · system: .*, 1\.00 round trips\/req/, 'every call reads the database');
    for (const side of ['system', 'baseline']) {
      t.regex(
        output,
        new RegExp(
          `users · ${side}: \\d+\\.\\d{3} ms CPU per request \\(.*; \\d+ req/s, 0 errors\\)`,
        ),
      );
    }
    t.regex(output, /\| scenario \| users \| fixed rate \| CPU per request \|/);
    t.regex(output, /\| service \| users \| ready after spawn \| idle RSS \| of which file-backed/);
  });
}
