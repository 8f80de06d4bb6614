// `npm run bench` must keep working: the whole harness on a tiny dataset, a second per scenario.
// It asserts that it runs and reports, never how fast: figures belong in docs/BENCHMARKS.md.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { noteDatabase, openSingleConnection, testServer } from '@backend/common/testing/databases';
import { repositoryRoot } from '@backend/common/testing/processes';
import test from 'ava';
import { dropDataset } from '../bench/dataset.ts';

const servers = await Promise.all(
  (['postgresql', 'mysql'] as const).map(async (dialect) => ({
    dialect,
    server: await testServer(dialect).catch((error: Error) => error),
  })),
);

for (const { dialect, server } of servers) {
  if (server instanceof Error) {
    const reason = server.message.split('\n')[0] ?? 'no server';
    noteDatabase(dialect, { missing: reason });
    if (process.env.TEST_REQUIRE_ALL_DATABASES === '1')
      test(`[${dialect}] bench needs a server`, (t) => t.fail(reason));
    else test.skip(`[${dialect}] bench smoke test skipped: ${reason}`, () => {});
    continue;
  }
  noteDatabase(dialect, { source: server.source });
  test.after.always(`[${dialect}] drop the bench_1000 dataset`, async () => {
    await dropDataset(dialect, server.adminUrl, 1000);
    await server.stop();
  });
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
          [dialect === 'postgresql' ? 'BENCH_POSTGRES_URL' : 'BENCH_MYSQL_URL']: server.adminUrl,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const [code] = await once(child, 'close'); // after the output has ended
    t.is(code, 0, output);
    for (const scenario of ['users', 'users-traced', 'departments', 'points']) {
      t.regex(output, new RegExp(`${scenario} · system: \\d+ req/s, .*, 0 errors`), output);
      t.regex(output, new RegExp(`${scenario} · baseline: \\d+ req/s, .*, 0 errors`), output);
    }
    t.regex(output, /points · system: .*, 1\.00 round trips\/req/, 'every call reads the database');
    t.regex(output, /trace receiver: [1-9]\d* exports/, 'users-traced exported its spans');
    for (const side of ['system', 'baseline']) {
      t.regex(
        output,
        new RegExp(
          `users · ${side}: \\d+\\.\\d{3} ms CPU per request \\(.*; \\d+ req/s, 0 errors\\)`,
        ),
      );
    }
    t.regex(output, /\| scenario \| users \| fixed rate \| CPU per request \|/);
    t.regex(
      output,
      /users-traced against users · baseline: \d+\.\d{3} ms CPU per request/,
      'tracing on is measured against tracing off directly',
    );
    t.regex(output, /\| every request sampled \| 1k \| \d+ req\/s \| \d+\.\d{3} ms \|/);
    t.regex(output, /\| service \| users \| ready after spawn \| idle RSS \| of which file-backed/);

    // The run leaves the server as it found it: the dataset it generated is dropped again.
    await dropDataset(dialect, server.adminUrl, 1000);
    const catalog = await openSingleConnection(server.adminUrl);
    try {
      const left = await catalog
        .em()
        .getConnection()
        .execute(
          dialect === 'postgresql'
            ? "select datname from pg_database where datname = 'bench_1000'"
            : "select schema_name from information_schema.schemata where schema_name = 'bench_1000'",
        );
      t.deepEqual(left, [], 'bench_1000 is gone');
    } finally {
      await catalog.close();
    }
  });
}
