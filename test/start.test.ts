// `npm start` as a newcomer runs it: the launcher on its fixed ports, a second launcher beside it,
// a port held by something else, and Ctrl-C. Serial: every test needs the same four ports.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repositoryRoot } from '@backend/common/testing/processes';
import test from 'ava';

const launcherPorts = [50051, 8083, 8082, 8081];
const directory = await mkdtemp(join(tmpdir(), 'start-'));
const env = {
  PATH: process.env.PATH,
  DATABASE_URL: `sqlite:${join(directory, 'db.sqlite')}`,
  NODE_COMPILE_CACHE: join(directory, 'compile-cache'),
};
const launched: ChildProcess[] = [];

test.after.always(async () => {
  for (const child of launched) if (child.exitCode === null) child.kill('SIGKILL');
  await rm(directory, { recursive: true, force: true });
});

function launch() {
  const child = spawn(process.execPath, ['scripts/start.ts'], {
    cwd: repositoryRoot,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  launched.push(child);
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const closed = once(child, 'close').then(([code, signal]) => code ?? signal);
  return { child, output: () => output, closed };
}

async function until(check: () => boolean, what: string, output: () => string, ms = 30_000) {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what} not seen in ${ms} ms:\n${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const hold = async (port: number): Promise<Server> => {
  const server = createServer().listen(port, '127.0.0.1');
  await once(server, 'listening');
  return server;
};

test.serial.before(
  'the launcher ports are free (a running `npm start` would hold them)',
  async () => {
    for (const port of launcherPorts) (await hold(port)).close();
  },
);

test.serial(
  'a port held by another process: the launcher names it, starts nothing and exits 1',
  async (t) => {
    const server = await hold(8082);
    try {
      const launcher = launch();
      t.is(await launcher.closed, 1);
      t.regex(launcher.output(), /port 8082 is taken: by another process \(`ss -ltnp/);
      t.notRegex(launcher.output(), /preparing|ready/);
    } finally {
      server.close();
    }
  },
);

test.serial(
  'a second launcher says the first holds the ports; Ctrl-C stops the first with SIGINT, exit 0',
  async (t) => {
    const first = launch();
    await until(
      () => first.output().includes('all three services are ready'),
      'ready',
      first.output,
    );

    const second = launch();
    t.is(await second.closed, 1);
    t.regex(second.output(), /port 8082 is taken: it answers as user \(is another `npm start`/);
    t.notRegex(second.output(), /ready/);

    first.child.kill('SIGINT');
    t.is(await first.closed, 0);
    const output = first.output();
    t.is(output.match(/shutting down: draining signal=SIGINT/g)?.length, 3, output);
    t.is(output.match(/stopped cleanly/g)?.length, 3, output);
    t.notRegex(output, /signal=SIGTERM|exited unexpectedly/);
    // The launcher's readiness polls are probes, logged at debug level: not in the user's log.
    t.notRegex(output, /GET \/readyz/);
  },
);
