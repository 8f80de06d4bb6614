// `npm run bench`: datasets, the real services and the baselines under the same load, side by
// side, for each dialect and size. Writes docs/BENCHMARKS.md. See `--help`.
import { spawnSync } from 'node:child_process';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { freePort, repositoryRoot } from '@backend/common/testing/processes';
import { buildServices, bundlePath, services as serviceNames } from '../scripts/build.ts';
import { openRawDatabase } from './baseline/sql.ts';
import { type Dataset, ensureDataset } from './dataset.ts';
import { grpcLoad, httpLoad, type LoadOptions, type LoadResult } from './load.ts';
import { startOtlpSink } from './otlp-sink.ts';
import { type Launched, launch } from './processes.ts';
import {
  evaluateTargets,
  type Measured,
  type Measurement,
  renderTables,
  renderTargets,
  type Scenario,
  type ServiceFigures,
  writeReport,
} from './report.ts';

const { values: args } = parseArgs({
  options: {
    dialects: { type: 'string', default: 'postgresql,mysql' },
    sizes: { type: 'string', default: '10000,100000,1000000' },
    scenarios: { type: 'string', default: 'users,users-traced,departments,points' },
    seconds: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '3' },
    connections: { type: 'string', default: '32' },
    rounds: { type: 'string', default: '2' },
    settle: { type: 'string', default: '5' },
    'cpu-seconds': { type: 'string', default: '8' },
    out: { type: 'string', default: 'docs/BENCHMARKS.md' },
    'no-baseline': { type: 'boolean', default: false },
    against: { type: 'string' },
    'no-write': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  process.stdout.write(`npm run bench -- [options]

Measures the three services as the image runs them (bundled, compile cache filled) against a
minimal baseline, up at the same time and loaded in turns, on each dialect and size, and prints
each figure as it comes. A run REWRITES the generated block of docs/BENCHMARKS.md (between its
bench markers) unless --no-write. The default run takes tens of minutes.

  --dialects postgresql,mysql          databases to run on (default: both)
  --sizes 10000,100000,1000000         generated users per dataset (bench_<size>, built once, reused)
  --scenarios users,users-traced,departments,points   what to load (default: all four);
                     users-traced is users with tracing on (OTEL_TRACES_SAMPLER_ARG=1.0, every
                     request sampled) to a live OTLP/HTTP receiver in the harness, against the
                     same baseline as users, and then against users itself (needs users too)
  --settle 5         seconds each scenario runs on each side before anything is measured, so
                     both sides are equally warm (JIT, caches, pools)
  --warmup 3         seconds of load before each measured window, not counted
  --seconds 10       seconds of each measured window (req/s, p50, p99, errors)
  --rounds 2         measured windows per side, taken in turns and averaged
  --cpu-seconds 8    seconds per side at one fixed rate (half the slower side's req/s) for the
                     CPU per request, in half windows taken in turns, each after --warmup
                     seconds at that rate
  --connections 32   concurrent clients
  --out docs/BENCHMARKS.md   the file whose generated block is rewritten
  --no-write         print only; leave docs/BENCHMARKS.md alone
  --no-baseline      measure the system alone (no ratios, no targets)
  --against DIR      the other side is not the baseline but the services of another checkout
                     (its bundles built there with npm ci && npm run build), to measure a change
                     side by side; implies --no-write
  --help             this text

Servers: BENCH_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/postgres),
         BENCH_MYSQL_URL (default mysql://root@127.0.0.1:3306/mysql)\n`);
  process.exit(0);
}

const say = (text: string) =>
  process.stdout.write(`${new Date().toISOString().slice(11, 19)} ${text}\n`);
const load: LoadOptions = {
  connections: Number(args.connections),
  seconds: Number(args.seconds),
  warmupSeconds: Number(args.warmup),
};
const scenarios = (args.scenarios as string).split(',') as Scenario[];
const rounds = Math.max(1, Number(args.rounds));
const admin: Record<string, string> = {
  postgresql: process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  mysql: process.env.BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/mysql',
};

const usersPaths = Array.from({ length: 2_000 }, (_, i) => {
  const [orderby, sort] = [
    ['name', 'asc'],
    ['name', 'desc'],
    ['age', 'desc'],
    ['salary', 'asc'],
  ][i % 4] as [string, string];
  return `/api/users/v1/users?limit=50&page=${1 + Math.floor(Math.random() * 100)}&orderby=${orderby}&sort=${sort}`;
});

const departmentsPaths = ['/api/departments/v1/departments'];

type Target = {
  run: (options: LoadOptions) => Promise<LoadResult>;
  queries?: () => Promise<number>;
  /** The processes that serve it, whose CPU time a request costs. */
  processes: Launched[];
};

/** Database round trips counted by a service (readiness pings excluded). */
async function queriesOf(metricsUrl: string): Promise<number> {
  const text = await (await fetch(metricsUrl)).text();
  return text
    .split('\n')
    .filter((line) => line.startsWith('db_queries_total{') && !line.includes('operation="ping"'))
    .reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
}

async function measure(
  label: string,
  run: (options: LoadOptions) => Promise<LoadResult>,
  countQueries?: () => Promise<number>,
  round = '',
): Promise<LoadResult & { roundTrips?: number }> {
  say(`  ${label}${round}: ${load.warmupSeconds} s warm-up, ${load.seconds} s measured…`);
  let before: number | undefined;
  const result = await run({
    ...load,
    onMeasureStart: async () => {
      before = await countQueries?.();
    },
  });
  const after = await countQueries?.();
  const roundTrips =
    before === undefined || after === undefined
      ? undefined
      : (after - before) / Math.max(1, result.requests);
  say(
    `  ${label}: ${Math.round(result.rps)} req/s, p50 ${result.p50.toFixed(2)} ms, p99 ${result.p99.toFixed(2)} ms, ${result.errors} errors${roundTrips === undefined ? '' : `, ${roundTrips.toFixed(2)} round trips/req`}${round}`,
  );
  return { ...result, roundTrips };
}

async function idSets(dataset: Dataset, dialect: string) {
  const database = openRawDatabase(dataset.url, 1);
  const random = dialect === 'mysql' ? 'rand()' : 'random()';
  const rows = await database.query(
    `select id from ${database.table('user')} order by ${random} limit 5000`,
  );
  const ids = rows.map((row) => String(row.id));
  // 100 sets of 50 ids, cycling when the dataset has fewer than 5,000 users.
  return Array.from({ length: 100 }, (_, i) =>
    Array.from({ length: 50 }, (_, j) => ids[(i * 50 + j) % ids.length] as string),
  );
}

type Running = { launched: Launched[]; targets: Record<Scenario, Target> };

/** The three services, as production starts them, with their start-up figures. */
async function startSystem(
  dialect: string,
  dataset: Dataset,
  root = repositoryRoot,
): Promise<Running & { figures: ServiceFigures[] }> {
  const bundle = (name: string) => join(root, 'services', name, 'dist', 'main.mjs');
  const [grpcPort, pointHttp, userPort, departmentPort] = await Promise.all([
    freePort(),
    freePort(),
    freePort(),
    freePort(),
  ]);
  const [tracedGrpcPort, tracedPointHttp, tracedUserPort] = await Promise.all([
    freePort(),
    freePort(),
    freePort(),
  ]);
  const common = {
    HOST: '127.0.0.1',
    DATABASE_URL: dataset.url,
    SHUTDOWN_DRAIN_DELAY_MS: '0',
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info',
    NODE_COMPILE_CACHE: compileCache,
  };
  const launched: Launched[] = [];
  const traced: Launched[] = [];
  try {
    launched.push(
      await launch(
        'point',
        bundle('point'),
        { ...common, PORT: String(grpcPort), HTTP_PORT: String(pointHttp) },
        `http://127.0.0.1:${pointHttp}/readyz`,
      ),
    );
    launched.push(
      await launch(
        'user',
        bundle('user'),
        { ...common, PORT: String(userPort), POINT_SERVICE_ADDR: `127.0.0.1:${grpcPort}` },
        `http://127.0.0.1:${userPort}/readyz`,
      ),
    );
    launched.push(
      await launch(
        'department',
        bundle('department'),
        { ...common, PORT: String(departmentPort) },
        `http://127.0.0.1:${departmentPort}/readyz`,
      ),
    );
    // Its own user and point, so the untraced scenarios measure untraced processes.
    if (scenarios.includes('users-traced')) {
      const tracing = {
        ...common,
        OTEL_EXPORTER_OTLP_ENDPOINT: sink.url,
        OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
        OTEL_TRACES_SAMPLER_ARG: '1.0',
      };
      traced.push(
        await launch(
          'point (traced)',
          bundle('point'),
          { ...tracing, PORT: String(tracedGrpcPort), HTTP_PORT: String(tracedPointHttp) },
          `http://127.0.0.1:${tracedPointHttp}/readyz`,
        ),
      );
      traced.push(
        await launch(
          'user (traced)',
          bundle('user'),
          {
            ...tracing,
            PORT: String(tracedUserPort),
            POINT_SERVICE_ADDR: `127.0.0.1:${tracedGrpcPort}`,
          },
          `http://127.0.0.1:${tracedUserPort}/readyz`,
        ),
      );
    }
  } catch (error) {
    for (const service of [...launched, ...traced]) await service.stop();
    throw error;
  }
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  const figures = launched.map((service) => ({
    dialect,
    size: dataset.size,
    service: service.name,
    readyMs: service.readyMs,
    idleRssMb: service.rssMb(),
    idleFileRssMb: service.fileRssMb(),
    peakRssMb: 0, // read once the load is over
  }));
  say(
    `  system ready: ${launched.map((s) => `${s.name} ${Math.round(s.readyMs)} ms / ${s.rssMb().toFixed(0)} MB`).join(', ')}`,
  );
  const sets = await idSets(dataset, dialect);
  const [point, user, department] = launched as [Launched, Launched, Launched];
  const [tracedPoint, tracedUser] = traced;
  return {
    launched: [...launched, ...traced],
    figures,
    targets: {
      users: {
        run: (options) => httpLoad(`http://127.0.0.1:${userPort}`, usersPaths, options),
        queries: () => queriesOf(`http://127.0.0.1:${userPort}/metrics`),
        processes: [user, point],
      },
      'users-traced': {
        run: (options) => httpLoad(`http://127.0.0.1:${tracedUserPort}`, usersPaths, options),
        queries: () => queriesOf(`http://127.0.0.1:${tracedUserPort}/metrics`),
        processes: tracedUser && tracedPoint ? [tracedUser, tracedPoint] : [],
      },
      departments: {
        run: (options) => httpLoad(`http://127.0.0.1:${departmentPort}`, departmentsPaths, options),
        queries: () => queriesOf(`http://127.0.0.1:${departmentPort}/metrics`),
        processes: [department],
      },
      points: {
        run: (options) => grpcLoad(`127.0.0.1:${grpcPort}`, sets, options),
        queries: () => queriesOf(`http://127.0.0.1:${pointHttp}/metrics`),
        processes: [point],
      },
    },
  };
}

/** The baseline: one REST process for both endpoints and one point process. */
async function startBaseline(dialect: string, dataset: Dataset): Promise<Running> {
  const [grpcPort, restPort] = await Promise.all([freePort(), freePort()]);
  const launched: Launched[] = [];
  try {
    launched.push(
      await launch('baseline point', 'bench/baseline/point.ts', {
        DATABASE_URL: dataset.url,
        PORT: String(grpcPort),
      }),
    );
    launched.push(
      await launch(
        'baseline rest',
        'bench/baseline/rest.ts',
        {
          DATABASE_URL: dataset.url,
          PORT: String(restPort),
          POINT_SERVICE_ADDR: `127.0.0.1:${grpcPort}`,
        },
        `http://127.0.0.1:${restPort}/readyz`,
      ),
    );
  } catch (error) {
    for (const service of launched) await service.stop();
    throw error;
  }
  const sets = await idSets(dataset, dialect);
  const [point, rest] = launched as [Launched, Launched];
  const queries = async () =>
    (
      (await (await fetch(`http://127.0.0.1:${restPort}/__queries`)).json()) as {
        queries: number;
      }
    ).queries;
  return {
    launched,
    targets: {
      users: {
        run: (options) => httpLoad(`http://127.0.0.1:${restPort}`, usersPaths, options),
        queries,
        processes: [rest, point],
      },
      // The baseline traces nothing: the users-traced row shows what tracing costs against it.
      'users-traced': {
        run: (options) => httpLoad(`http://127.0.0.1:${restPort}`, usersPaths, options),
        queries,
        processes: [rest, point],
      },
      departments: {
        run: (options) => httpLoad(`http://127.0.0.1:${restPort}`, departmentsPaths, options),
        queries,
        processes: [rest],
      },
      points: {
        run: (options) => grpcLoad(`127.0.0.1:${grpcPort}`, sets, options),
        processes: [point],
      },
    },
  };
}

const cpuSeconds = Number(args['cpu-seconds']);

type CpuWindow = { cpuMs: number[]; requests: number; errors: number; seconds: number };
type Side = 'system' | 'baseline';

/**
 * One window at a fixed rate: the CPU time each serving process used, and what was served. The
 * warm-up before it runs at that rate too: a side that sat idle while the other was measured
 * costs more for its first seconds (V8 re-tiers, the heap regrows), and that is not a request's
 * cost.
 */
async function cpuWindow(target: Target, rate: number, seconds: number): Promise<CpuWindow> {
  const fixed = { connections: load.connections, warmupSeconds: 0, rate };
  if (load.warmupSeconds > 0) await target.run({ ...fixed, seconds: load.warmupSeconds });
  const before = target.processes.map((process) => process.cpuMs());
  const result = await target.run({ ...fixed, seconds });
  return {
    cpuMs: target.processes.map((process, i) => process.cpuMs() - (before[i] ?? 0)),
    requests: result.requests,
    errors: result.errors,
    seconds,
  };
}

/**
 * CPU time per request at a fixed rate both sides sustain: what a request costs its serving
 * processes, without the load generator, the database and the other side competing for the two
 * cores as they do at full speed. Much steadier from run to run than requests per second.
 *
 * The two sides take turns in half windows, system, baseline, baseline, system, so that a drift
 * of the machine's speed over the measurement weighs on both alike: right after the full-speed
 * rounds this VM ran every process up to twice as slow, recovering over 10–20 s, and the side
 * measured first used to take all of it.
 */
async function cpuPerRequest(
  scenario: string,
  sides: { system: Target; baseline?: Target },
  rate: number,
): Promise<{ system: number; baseline?: number }> {
  const turns: Side[] = sides.baseline ? ['system', 'baseline', 'baseline', 'system'] : ['system'];
  const each = sides.baseline ? cpuSeconds / 2 : cpuSeconds;
  say(`  ${scenario}: CPU at a fixed ${rate} req/s, ${cpuSeconds} s per side in turns…`);
  const windows: Record<Side, CpuWindow[]> = { system: [], baseline: [] };
  for (const side of turns) {
    windows[side].push(await cpuWindow(sides[side] as Target, rate, each));
  }
  const perRequest = (side: Side) => {
    const target = sides[side] as Target;
    const measured = windows[side];
    const requests = Math.max(
      1,
      measured.reduce((sum, w) => sum + w.requests, 0),
    );
    const errors = measured.reduce((sum, w) => sum + w.errors, 0);
    const byProcess = target.processes.map(
      (_, i) => measured.reduce((sum, w) => sum + (w.cpuMs[i] ?? 0), 0) / requests,
    );
    const total = byProcess.reduce((sum, ms) => sum + ms, 0);
    const parts = target.processes.map(
      (process, i) => `${process.name} ${byProcess[i]?.toFixed(3)}`,
    );
    const seconds = measured.reduce((sum, w) => sum + w.seconds, 0);
    say(
      `  ${scenario} · ${side}: ${total.toFixed(3)} ms CPU per request (${parts.join(' + ')}; ${Math.round(requests / seconds)} req/s, ${errors} errors)`,
    );
    return total;
  };
  return {
    system: perRequest('system'),
    ...(sides.baseline ? { baseline: perRequest('baseline') } : {}),
  };
}

/** The rate for the CPU windows: half of what the slower side managed, well inside either. */
const fixedRate = (rps: number, otherRps = Infinity) =>
  Math.max(1, Math.round(0.5 * Math.min(rps, otherRps)));

/** Means over the rounds; errors and requests summed. */
function combine(rounds: Measured[]): Measured {
  const mean = (pick: (r: Measured) => number) =>
    rounds.reduce((sum, r) => sum + pick(r), 0) / rounds.length;
  const trips = rounds.map((r) => r.roundTrips);
  return {
    requests: rounds.reduce((sum, r) => sum + r.requests, 0),
    errors: rounds.reduce((sum, r) => sum + r.errors, 0),
    rps: mean((r) => r.rps),
    p50: mean((r) => r.p50),
    p99: mean((r) => r.p99),
    roundTrips: trips.every((t) => t !== undefined)
      ? mean((r) => r.roundTrips as number)
      : undefined,
  };
}

/**
 * Both sides are up at once and take turns, scenario by scenario (system, baseline, system, …),
 * so a slow spell of the shared machine hits both rather than one.
 */
async function runDataset(
  dialect: string,
  dataset: Dataset,
  measurements: Measurement[],
  services: ServiceFigures[],
) {
  const system = await startSystem(dialect, dataset);
  let baseline: Running | undefined;
  try {
    if (args.against) baseline = await startSystem(dialect, dataset, resolve(args.against));
    else if (!args['no-baseline']) baseline = await startBaseline(dialect, dataset);
    // A fresh process takes a while to reach its steady state (JIT tiers, heap sizing): without
    // this, the first measured scenario of a process came out up to a quarter slower.
    const settle = {
      connections: load.connections,
      seconds: Number(args.settle),
      warmupSeconds: 0,
    };
    if (settle.seconds > 0) {
      say(`  settling: every scenario on each side for ${settle.seconds} s, not measured…`);
      for (const scenario of scenarios) {
        await system.targets[scenario].run(settle);
        await baseline?.targets[scenario].run(settle);
      }
    }
    for (const scenario of scenarios) {
      const sides: { system: Measured[]; baseline: Measured[] } = { system: [], baseline: [] };
      for (let round = 1; round <= rounds; round++) {
        const of = rounds > 1 ? ` (round ${round}/${rounds})` : '';
        const { run, queries } = system.targets[scenario];
        sides.system.push(await measure(`${scenario} · system`, run, queries, of));
        if (baseline) {
          const { run, queries } = baseline.targets[scenario];
          sides.baseline.push(await measure(`${scenario} · baseline`, run, queries, of));
        }
      }
      const ofSystem = combine(sides.system);
      const ofBaseline = baseline ? combine(sides.baseline) : undefined;
      let cpuRate: number | undefined;
      if (cpuSeconds > 0) {
        cpuRate = fixedRate(ofSystem.rps, ofBaseline?.rps);
        const cpu = await cpuPerRequest(
          scenario,
          { system: system.targets[scenario], baseline: baseline?.targets[scenario] },
          cpuRate,
        );
        ofSystem.cpuMsPerRequest = cpu.system;
        if (ofBaseline) ofBaseline.cpuMsPerRequest = cpu.baseline;
      }
      // What tracing costs, measured as directly as the system against the baseline: the traced
      // and the untraced pair in turns at one fixed rate, rather than as a ratio of two ratios.
      let tracing: Measurement['tracing'];
      const untraced =
        scenario === 'users-traced' && cpuSeconds > 0
          ? measurements.find(
              (m) => m.dialect === dialect && m.size === dataset.size && m.scenario === 'users',
            )
          : undefined;
      if (untraced) {
        const rate = fixedRate(ofSystem.rps, untraced.system.rps);
        const cpu = await cpuPerRequest(
          'users-traced against users',
          { system: system.targets['users-traced'], baseline: system.targets.users },
          rate,
        );
        if (cpu.baseline !== undefined) tracing = { rate, on: cpu.system, off: cpu.baseline };
      }
      measurements.push({
        dialect,
        size: dataset.size,
        scenario,
        system: ofSystem,
        baseline: ofBaseline,
        cpuRate,
        ...(tracing && { tracing }),
      });
    }
    services.push(
      ...system.figures.map((figures, i) => ({
        ...figures,
        peakRssMb: system.launched[i]?.peakRssMb() ?? 0,
      })),
    );
  } finally {
    for (const service of [...system.launched, ...(baseline?.launched ?? [])]) await service.stop();
  }
}

// The services start as they do from the image: bundled (scripts/build.ts), with Node's compile
// cache filled beforehand.
await buildServices();
say(
  `bundles built: ${serviceNames.map((name) => relative(repositoryRoot, bundlePath(name))).join(', ')}`,
);
const compileCache = process.env.NODE_COMPILE_CACHE || join(tmpdir(), 'node-compile-cache');
// The collector users-traced exports to, live for the whole run.
const sink = await startOtlpSink();
const warmed = spawnSync(process.execPath, ['scripts/warm-compile-cache.ts'], {
  cwd: repositoryRoot,
  env: { ...process.env, NODE_COMPILE_CACHE: compileCache },
  encoding: 'utf8',
});
if (warmed.status !== 0) throw new Error(`cannot fill the compile cache: ${warmed.stderr}`);
say(warmed.stdout.trim());
if (args.against) {
  const other = spawnSync(process.execPath, ['scripts/warm-compile-cache.ts'], {
    cwd: resolve(args.against),
    env: { ...process.env, NODE_COMPILE_CACHE: compileCache },
    encoding: 'utf8',
  });
  if (other.status !== 0) throw new Error(`cannot fill the compile cache of ${args.against}`);
  say(`against ${args.against}: the "baseline" columns are its services`);
}

const measurements: Measurement[] = [];
const services: ServiceFigures[] = [];
const versions: string[] = [];
for (const dialect of (args.dialects as string).split(',')) {
  const adminUrl = admin[dialect];
  if (!adminUrl) throw new Error(`unknown dialect ${dialect}`);
  const server = openRawDatabase(adminUrl, 1);
  versions.push(
    String((await server.query('select version() as v'))[0]?.v).split(' on ')[0] as string,
  );
  for (const size of (args.sizes as string).split(',').map(Number)) {
    const dataset = await ensureDataset(dialect as 'postgresql' | 'mysql', adminUrl, size, say);
    say(`${dialect}, ${dataset.users.toLocaleString('en')} users`);
    await runDataset(dialect, dataset, measurements, services);
  }
}

const targets = evaluateTargets(measurements, services);
const command = `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
const cpu = cpus();
const generated = [
  `Run on ${new Date().toISOString().slice(0, 10)} with \`${command}\` on ${cpu.length} × ${cpu[0]?.model.trim()}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${versions.join(', ')}; ${load.connections} concurrent clients, every scenario run ${args.settle} s on each side before any is measured, then ${load.warmupSeconds} s warm-up and ${load.seconds} s measured, ${rounds} round${rounds > 1 ? 's' : ''} per side taken in turns (system, baseline, system, …) and averaged, then ${cpuSeconds} s per side at a fixed rate (half the slower side's req/s) for the CPU per request, in half windows taken in turns (system, baseline, baseline, system), each after ${load.warmupSeconds} s at that rate not counted; load generator, services and database on the same machine; services run as the image runs them: bundled (\`scripts/build.ts\`), with a filled compile cache.`,
  '',
  renderTargets(targets),
  renderTables(measurements, services),
].join('\n');
if (scenarios.includes('users-traced')) {
  const { exports, bytes } = sink.received();
  say(`trace receiver: ${exports} exports, ${(bytes / 2 ** 20).toFixed(1)} MB of spans`);
}
await sink.close();
process.stdout.write(`\n${generated}\n`);
if (!args['no-write'] && !args.against) {
  writeReport(args.out as string, generated);
  say(`written to ${args.out}`);
}
process.exit(0);
