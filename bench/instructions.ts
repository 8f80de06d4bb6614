// `node bench/instructions.ts`: the instructions one HTTP request costs a service (or a baseline),
// counted by callgrind, for differences of a few per cent that the wall-clock figures of a shared
// machine cannot show. See `--help` and docs/BENCHMARKS.md, "How to read it".
//
// The target runs twice under valgrind, answering N and then 2N requests, and the difference is
// divided by N, so start-up and the first N requests cancel out. The count is split three ways,
// by the functions that ran: V8's compilers, its garbage collector, and the rest, the request's
// own work. Under valgrind V8 is still compiling after thousands of requests (a normal run has
// settled by then), about a quarter of the total, and how much of it lands in the window varies
// from run to run; compare the request's own figure.
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { freePort, repositoryRoot, waitUntilReady } from '@backend/common/testing/processes';
import autocannon from 'autocannon';
import { ensureDataset } from './dataset.ts';

export type Costs = Map<string, number>;

const categories = {
  compile:
    /compiler::|Turboshaft|turboshaft|[Mm]aglev|SourcePosition|PersistentMap|Compiler|Parser|Scanner|StringStream|vfprintf/,
  gc: /Marking|Sweeper|MarkCompact|Concurrent|Scaveng|Evacuat|RememberedSet|SizeFromMap|OnMoveEvent|Heap::/,
};
export type Category = keyof typeof categories | 'request';

export function categoryOf(name: string): Category {
  if (categories.compile.test(name)) return 'compile';
  if (categories.gc.test(name)) return 'gc';
  return 'request';
}

/** JIT code's names from V8's `--perf-basic-prof` map: start, size and name per line, in hex. */
export function jitNamer(perfMap: string): (address: number) => string | undefined {
  const entries = perfMap
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [start = '', size = '', ...name] = line.split(' ');
      const from = Number.parseInt(start, 16);
      return { start: from, end: from + Number.parseInt(size, 16), name: name.join(' ') };
    })
    .sort((a, b) => a.start - b.start);
  return (address) => {
    let [low, high] = [0, entries.length - 1];
    while (low <= high) {
      const middle = (low + high) >> 1;
      const entry = entries[middle] as (typeof entries)[number];
      if (address < entry.start) high = middle - 1;
      else if (address >= entry.end) low = middle + 1;
      else return entry.name;
    }
    return undefined;
  };
}

/**
 * Each function's own instructions from `callgrind_annotate` output, JIT addresses named, V8's
 * tier marks (`*`, `+`, `^`, `~`) and callgrind's recursion marks (`'2`) dropped, so the same
 * function at another address or tier adds up under one name.
 */
export function parseAnnotate(text: string, nameOf: (address: number) => string | undefined) {
  const costs: Costs = new Map();
  for (const line of text.split('\n')) {
    const match = /^\s*([\d,]+) \(\s*[\d.]+%\)\s+(.+)$/.exec(line);
    if (!match || line.includes('PROGRAM TOTALS')) continue;
    let name = (match[2] as string).replace(/ \[[^\]]*\]$/, '');
    const address = /0x([0-9a-f]{8,16})/.exec(name)?.[1];
    if (address) name = nameOf(Number.parseInt(address, 16)) ?? 'JIT code, unnamed';
    name = name
      .replace(/^\?\?\?:/, '')
      .replace(/^JS:[*+^~']*/, 'JS:')
      .replace(/'\d+$/, '');
    costs.set(name, (costs.get(name) ?? 0) + Number((match[1] as string).replaceAll(',', '')));
  }
  return costs;
}

/** What each function cost per request between the two runs. */
export function perRequest(first: Costs, second: Costs, requests: number): Costs {
  const result: Costs = new Map();
  for (const name of new Set([...first.keys(), ...second.keys()])) {
    result.set(name, ((second.get(name) ?? 0) - (first.get(name) ?? 0)) / requests);
  }
  return result;
}

export function split(costs: Costs): Record<Category | 'total', number> {
  const sums = { total: 0, compile: 0, gc: 0, request: 0 };
  for (const [name, cost] of costs) {
    sums.total += cost;
    sums[categoryOf(name)] += cost;
  }
  return sums;
}

async function countRun(options: {
  entry: string;
  path: string;
  requests: number;
  connections: number;
  env: Record<string, string>;
  inclusive: boolean;
}): Promise<Costs> {
  const port = await freePort();
  const out = join(tmpdir(), `callgrind-${process.pid}-${options.requests}.out`);
  // --perf-basic-prof also turns on V8's log, by default a file in the working directory.
  const v8Log = join(tmpdir(), `v8-${process.pid}-${options.requests}.log`);
  const child = spawn(
    'valgrind',
    [
      '--tool=callgrind',
      '--vgdb=no', // the services' HOST variable confuses vgdb
      '--smc-check=all-non-file', // JIT code is rewritten in place
      `--callgrind-out-file=${out}`,
      process.execPath,
      '--perf-basic-prof',
      `--logfile=${v8Log}`,
      '--no-logfile-per-isolate',
      options.entry,
    ],
    {
      cwd: repositoryRoot,
      env: { PATH: process.env.PATH, ...options.env, HOST: '127.0.0.1', PORT: String(port) },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let errors = '';
  child.stderr.on('data', (chunk) => (errors = (errors + chunk).slice(-4_000)));
  const base = `http://127.0.0.1:${port}`;
  try {
    await waitUntilReady({ child, output: () => errors }, `${base}/readyz`, 180_000);
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`${options.entry} did not become ready under valgrind`, { cause: error });
  }
  const result = await autocannon({
    url: `${base}${options.path}`,
    connections: options.connections,
    amount: options.requests,
  });
  const failed = result.errors + result.timeouts + result.non2xx;
  child.kill('SIGTERM');
  await once(child, 'exit');
  if (failed > 0) throw new Error(`${failed} of ${options.requests} requests failed`);
  const perfMap = `/tmp/perf-${child.pid}.map`;
  const annotate = spawnSync(
    'callgrind_annotate',
    ['--threshold=100', `--inclusive=${options.inclusive ? 'yes' : 'no'}`, out],
    {
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
    },
  );
  if (annotate.status !== 0) throw new Error(`callgrind_annotate failed: ${annotate.stderr}`);
  const costs = parseAnnotate(annotate.stdout, jitNamer(readFileSync(perfMap, 'utf8')));
  for (const file of [out, v8Log]) rmSync(file, { force: true });
  rmSync(perfMap, { force: true });
  return costs;
}

async function main() {
  const { values: args } = parseArgs({
    options: {
      entry: { type: 'string', default: 'services/department/dist/main.mjs' },
      path: { type: 'string', default: '/api/departments/v1/departments' },
      requests: { type: 'string', default: '8000' },
      connections: { type: 'string', default: '8' },
      top: { type: 'string', default: '25' },
      inclusive: { type: 'boolean', default: false },
      env: { type: 'string', multiple: true, default: [] },
      help: { type: 'boolean', default: false },
    },
  });
  if (args.help) {
    process.stdout.write(`npm run bench:instructions -- [--entry services/department/dist/main.mjs]
  [--path /api/departments/v1/departments] [--requests 8000] [--connections 8] [--top 25]
  [--inclusive] [--env KEY=VALUE]...
--inclusive lists each function with what the functions it calls cost (inlined code has no
frame of its own, so it counts in its caller) instead of the three-way split.
Needs valgrind (apt-get install valgrind) and, for a bundle, \`npm run build\` first. The
database is the bench's 10k-user PostgreSQL dataset (BENCH_POSTGRES_URL names the server).
Takes about 5 minutes with 8000 requests.\n`);
    return;
  }
  if (spawnSync('valgrind', ['--version']).status !== 0) {
    throw new Error('valgrind is not installed (apt-get install valgrind)');
  }
  const say = (text: string) => process.stdout.write(`${text}\n`);
  const admin = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const dataset = await ensureDataset('postgresql', admin, 10_000, say);
  const requests = Number(args.requests);
  const run = {
    entry: args.entry,
    path: args.path,
    connections: Number(args.connections),
    inclusive: args.inclusive,
    env: {
      DATABASE_URL: dataset.url,
      LOG_LEVEL: 'info',
      SHUTDOWN_DRAIN_DELAY_MS: '0',
      POINT_SERVICE_ADDR: '127.0.0.1:1', // the user service and the baseline want one
      ...Object.fromEntries(args.env.map((pair) => pair.split(/=(.*)/s).slice(0, 2))),
    },
  };
  say(`${args.entry}: ${requests} requests under callgrind…`);
  const first = await countRun({ ...run, requests });
  say(`${args.entry}: ${2 * requests} requests under callgrind…`);
  const second = await countRun({ ...run, requests: 2 * requests });
  const costs = perRequest(first, second, requests);
  const k = (n: number) => `${(n / 1000).toFixed(1)}k`.padStart(8);
  const top = (entries: [string, number][]) =>
    entries
      .sort((a, b) => b[1] - a[1])
      .slice(0, Number(args.top))
      .forEach(([name, cost]) => {
        say(`${k(cost)}  ${name.slice(0, 140)}`);
      });
  if (args.inclusive) {
    say(
      `\ninstructions per request (requests ${requests + 1}–${2 * requests}), by function, inclusive:`,
    );
    top([...costs].filter(([name]) => categoryOf(name) === 'request'));
    return;
  }
  const sums = split(costs);
  say(`\ninstructions per request (requests ${requests + 1}–${2 * requests}):`);
  say(`${k(sums.total)}  in all`);
  say(`${k(sums.request)}  the request's own work`);
  say(`${k(sums.compile)}  V8's compilers (still tiering up under valgrind; varies)`);
  say(`${k(sums.gc)}  garbage collection`);
  say(`\nthe request's own work, by function:`);
  top([...costs].filter(([name]) => categoryOf(name) === 'request'));
}

if (import.meta.main) await main();
