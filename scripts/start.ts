// `npm start`: prepares the database once, then runs point, user and department as separate
// processes with readable logs, and stops all three on Ctrl-C.
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { styleText } from 'node:util';
import { baseSchema, ConfigError, loadConfig } from '@backend/common/config';
import { prepareDatabase } from '@backend/common/database/migrate-cli';
import { createLogger, redactUrl } from '@backend/common/logger';
import { prettyLogLine } from './pretty-log.ts';

const color = Boolean(process.stdout.isTTY);
const services = [
  { name: 'point', env: { PORT: '50051', HTTP_PORT: '8083' }, httpPort: 8083 },
  { name: 'user', env: { PORT: '8082', POINT_SERVICE_ADDR: '127.0.0.1:50051' }, httpPort: 8082 },
  { name: 'department', env: { PORT: '8081' }, httpPort: 8081 },
];
const width = Math.max(...services.map((s) => s.name.length));
const say = (name: string, text: string) =>
  process.stdout.write(
    `${color ? styleText('cyan', name.padEnd(width)) : name.padEnd(width)} │ ${text}\n`,
  );

let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig(baseSchema);
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(78);
}

// Bound the way the services bind (every address), so a port taken on any address shows here.
const isFree = (port: number) =>
  new Promise<boolean>((resolve) => {
    const probe = createServer()
      .once('error', () => resolve(false))
      .listen({ port, exclusive: true }, () => probe.close(() => resolve(true)));
  });
// Another `npm start` is the usual holder: its services answer /livez on their HTTP ports.
const holderOf = async (port: number) => {
  const owner = services.find((s) => s.httpPort === port || s.env.PORT === String(port));
  const answersLivez = (httpPort: number) =>
    fetch(`http://127.0.0.1:${httpPort}/livez`, { signal: AbortSignal.timeout(1000) }).then(
      (r) => r.ok,
      () => false,
    );
  return owner && (await answersLivez(owner.httpPort))
    ? `it answers as ${owner.name} (is another \`npm start\` running?)`
    : `by another process (\`ss -ltnp 'sport = :${port}'\` or \`lsof -i :${port}\` names it)`;
};
const ports = [...new Set(services.flatMap((s) => [Number(s.env.PORT), s.httpPort]))];
const taken = (await Promise.all(ports.map(async (p) => ((await isFree(p)) ? [] : [p])))).flat();
if (taken.length > 0) {
  for (const port of taken) say('start', `port ${port} is taken: ${await holderOf(port)}`);
  say('start', 'nothing was started; free the ports and run npm start again');
  process.exit(1);
}

say('start', `preparing ${redactUrl(config.databaseUrl)} (migrations, sample data if empty)`);
const logger = createLogger({ name: 'start', level: 'warn' });
try {
  await prepareDatabase(config, logger, { seed: true });
} catch (error) {
  say('start', `cannot prepare the database: ${(error as Error).message}`);
  process.exit(1);
}

const children = new Map<string, ChildProcess>();
let stopping = false;

for (const service of services) {
  const child = spawn(process.execPath, [`services/${service.name}/src/main.ts`], {
    env: {
      SHUTDOWN_DRAIN_DELAY_MS: '0',
      // Node's own default place for its compile cache: the second start is faster.
      NODE_COMPILE_CACHE: join(tmpdir(), 'node-compile-cache'),
      ...process.env,
      ...service.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Own process group: Ctrl-C reaches only this script, which stops the services once.
    detached: true,
  });
  children.set(service.name, child);
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on('line', (line) =>
      say(service.name, prettyLogLine(line, color)),
    );
  }
  child.on('exit', (code, signal) => {
    children.delete(service.name);
    if (!stopping) {
      say(
        'start',
        `${service.name} exited unexpectedly (${signal ?? `code ${code}`}); stopping the others`,
      );
      process.exitCode = 1;
      stopAll();
    }
    if (children.size === 0) process.exit();
  });
}

// The services hear the signal this script got: Ctrl-C is logged as SIGINT, a kill as SIGTERM.
function stopAll(signal: NodeJS.Signals = 'SIGTERM') {
  stopping = true;
  for (const child of children.values()) child.kill(signal);
}
process.on('SIGINT', () => stopAll('SIGINT'));
process.on('SIGTERM', () => stopAll('SIGTERM'));
process.on('exit', () => {
  for (const child of children.values()) child.kill('SIGKILL');
});

const ready = async (url: string) => {
  for (let attempt = 0; attempt < 60 && !stopping; attempt++) {
    if (
      await fetch(url).then(
        (r) => r.ok,
        () => false,
      )
    )
      return true;
    await sleep(250);
  }
  return false;
};
const results = await Promise.all(
  services.map((s) => ready(`http://127.0.0.1:${s.httpPort}/readyz`)),
);
if (!stopping) {
  const late = services.filter((_, index) => !results[index]).map((s) => s.name);
  const lines = late.length
    ? [`not ready after 15 s: ${late.join(', ')} (see the logs above)`]
    : [
        'all three services are ready. Try:',
        '  curl http://localhost:8081/api/departments/v1/departments',
        "  curl 'http://localhost:8082/api/users/v1/users?limit=3&orderby=age&sort=desc'",
        '  point: gRPC on localhost:50051, /readyz and /metrics on http://localhost:8083',
        'Ctrl-C stops all three.',
      ];
  for (const line of lines) say('start', color ? styleText('bold', line) : line);
}
