// Each service as a real process: start-up validation, secrets kept out of logs, SIGTERM.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT_CONFIG } from '@backend/common/lifecycle';
import {
  freePort,
  spawnService,
  startService,
  waitUntilReady,
} from '@backend/common/testing/processes';
import test from 'ava';

const services = ['department', 'user', 'point'] as const;
const secret = 'Sup3r-S3cret-Pa55';
const sqliteDirectory = await mkdtemp(join(tmpdir(), 'processes-'));
const sqliteUrl = `sqlite:${join(sqliteDirectory, 'db.sqlite')}`;
test.after.always(() => rm(sqliteDirectory, { recursive: true, force: true }));

for (const name of services) {
  test(`${name} exits with ${EXIT_CONFIG} and names the variable when PORT is not a port`, async (t) => {
    const service = spawnService(name, { PORT: '80a' });
    t.is(await service.exited(), EXIT_CONFIG);
    t.regex(service.output(), /PORT: must be an integer between 0 and 65535 \(got \\"80a\\"\)/);
  });

  test(`${name} names every bad variable and never prints the database password`, async (t) => {
    const service = spawnService(name, {
      LOG_LEVEL: 'loud',
      SHUTDOWN_TIMEOUT_MS: '-5',
      DATABASE_URL: `redis://app:${secret}@db:6379`,
    });
    t.is(await service.exited(), EXIT_CONFIG);
    const output = service.output();
    t.regex(output, /LOG_LEVEL: must be one of trace, debug, info, warn, error, fatal/);
    t.regex(output, /SHUTDOWN_TIMEOUT_MS: must be an integer/);
    t.regex(
      output,
      /DATABASE_URL: must start with postgres:\/\/, postgresql:\/\/, mysql:\/\/ or sqlite:/,
    );
    t.false(output.includes(secret));
  });
}

test('user logs nothing secret even at trace level while its database is down', async (t) => {
  const [port, pointPort] = [await freePort(), await freePort()];
  const service = spawnService('user', {
    PORT: String(port),
    LOG_LEVEL: 'trace',
    DATABASE_URL: `postgres://app:${secret}@127.0.0.1:1/users?password=${secret}`,
    POINT_SERVICE_ADDR: `127.0.0.1:${pointPort}`,
  });
  await waitUntilReady(service, `http://127.0.0.1:${port}/livez`);
  const response = await fetch(`http://127.0.0.1:${port}/api/users/v1/users`);
  t.is(response.status, 503);
  service.child.kill('SIGTERM');
  t.is(await service.exited(), 0);
  const output = service.output();
  t.regex(output, /"reason":"a dependency is unavailable"/, 'the failure is logged with its cause');
  t.regex(output, /ECONNREFUSED/);
  t.false(output.includes(secret));
});

for (const name of services) {
  test(`${name} on SIGTERM turns not-ready, keeps serving through the drain delay, then exits 0`, async (t) => {
    const { process: service, base } = await startService(name, {
      DATABASE_URL: sqliteUrl,
      SHUTDOWN_DRAIN_DELAY_MS: '1500',
    });
    service.child.kill('SIGTERM');
    await t.notThrowsAsync(async () => {
      for (let attempt = 0; (await fetch(`${base}/readyz`)).status !== 503; attempt++) {
        if (attempt > 50) throw new Error('still ready');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    });
    t.is((await fetch(`${base}/livez`)).status, 200, 'still serving while draining');
    t.is(await service.exited(), 0);
    t.regex(service.output(), /"msg":"stopped cleanly"/);
  });
}

test('waitUntilReady takes a check too, and gives up as soon as the process exits, with its output', async (t) => {
  const spawnNode = (code: string) => {
    const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    return { child, output: () => output };
  };
  const waiting = spawnNode(
    "setTimeout(() => console.log('ready'), 100); setTimeout(() => {}, 5000)",
  );
  await waitUntilReady(waiting, () => waiting.output().includes('ready'), 30_000, 5);
  waiting.child.kill();
  const started = Date.now();
  const failing = spawnNode("console.error('cannot bind'); process.exit(3)");
  await t.throwsAsync(
    waitUntilReady(failing, () => false, 10_000),
    {
      message: /^exited with 3:\ncannot bind/,
    },
  );
  t.true(Date.now() - started < 30_000, 'not at the timeout');
});
