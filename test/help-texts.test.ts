// The tools' help: what they do, every option with its default, and an exit code that says
// whether the call was right.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { repositoryRoot } from '@backend/common/testing/processes';
import test from 'ava';

async function run(...args: string[]) {
  const child = spawn(process.execPath, args, {
    cwd: repositoryRoot,
    env: { PATH: process.env.PATH },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const [code] = await once(child, 'close');
  return { code, stdout, stderr };
}

test('npm run heap with no service says how to call it and exits 1; --help explains it, exit 0', async (t) => {
  const bare = await run('scripts/heap.ts');
  t.is(bare.code, 1);
  t.regex(
    bare.stderr,
    /usage: npm run heap -- <department\|user\|point>.*\n.*\n.*--help says what it does/,
  );
  const help = await run('scripts/heap.ts', '--help');
  t.is(help.code, 0);
  t.regex(help.stdout, /Downloads a heap snapshot, or a pprof heap or CPU profile/);
  for (const option of [
    /--profile snapshot\|heap\|cpu .*\(default: snapshot\)/,
    /--seconds N .*\(default: 10\)/,
    /--namespace ns .*\(default: the context's namespace\)/,
    /--release name .*\(default: backend\)/,
    /--out file .*\(default: <service>-<time>/,
    /--url http:\/\/127\.0\.0\.1:6060/,
  ])
    t.regex(help.stdout, option);
});

test('npm run bench -- --help explains every option and that a run rewrites docs/BENCHMARKS.md', async (t) => {
  const help = await run('bench/run.ts', '--help');
  t.is(help.code, 0);
  t.regex(
    help.stdout,
    /REWRITES the generated block of docs\/BENCHMARKS\.md .* unless --no-write/s,
  );
  for (const option of ['settle', 'warmup', 'seconds', 'rounds', 'cpu-seconds', 'connections'])
    t.regex(help.stdout, new RegExp(`--${option} \\d+ +\\S`), option);
  for (const option of [
    'dialects',
    'sizes',
    'scenarios',
    'out',
    'no-write',
    'no-baseline',
    'against',
  ])
    t.regex(help.stdout, new RegExp(`--${option}\\b`), option);
});
