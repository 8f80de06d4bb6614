// `npm start`: prepares the database once, then runs point, user and department as separate
// processes with readable logs, and stops all three on Ctrl-C.
import { type ChildProcess, spawn } from 'node:child_process';
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
  {
    name: 'point',
    env: { PORT: '50051', HTTP_PORT: '8083' },
    readyz: 'http://127.0.0.1:8083/readyz',
  },
  {
    name: 'user',
    env: { PORT: '8082', POINT_SERVICE_ADDR: '127.0.0.1:50051' },
    readyz: 'http://127.0.0.1:8082/readyz',
  },
  { name: 'department', env: { PORT: '8081' }, readyz: 'http://127.0.0.1:8081/readyz' },
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

function stopAll() {
  stopping = true;
  for (const child of children.values()) child.kill('SIGTERM');
}
process.on('SIGINT', stopAll);
process.on('SIGTERM', stopAll);
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
const results = await Promise.all(services.map((s) => ready(s.readyz)));
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
