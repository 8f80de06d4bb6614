// Real service processes for tests: spawned as `node services/<name>/src/main.ts`, or as the image
// runs them, `node services/<name>/dist/main.mjs` (the bundle scripts/build.ts writes).
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

export const repositoryRoot = fileURLToPath(new URL('../../../', import.meta.url));

export type ServiceProcess = {
  child: ChildProcess;
  output: () => string;
  /** Resolves with the exit code (or signal name) once the output is complete; rejects after
   * `timeoutMs`. */
  exited: (timeoutMs?: number) => Promise<number | string>;
};

/** What a service process runs: its TypeScript sources, or its bundle (build it first). */
export type ServiceEntry = 'sources' | 'bundle';

export const entryPath = (name: string, entry: ServiceEntry) =>
  entry === 'bundle' ? `services/${name}/dist/main.mjs` : `services/${name}/src/main.ts`;

export function spawnService(
  name: string,
  env: Record<string, string>,
  entry: ServiceEntry = 'sources',
): ServiceProcess {
  const child = spawn(process.execPath, [entryPath(name, entry)], {
    cwd: repositoryRoot,
    env: { PATH: process.env.PATH, SHUTDOWN_DRAIN_DELAY_MS: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  // 'close', not 'exit': it comes once stdout and stderr have ended, so output() then holds all
  // of it ('exit' can come first, and a test reading the output then sees part of it or none).
  const exit = once(child, 'close').then(([code, signal]) => (code ?? signal) as number | string);
  return {
    child,
    output: () => output,
    exited: (timeoutMs = 30_000) =>
      Promise.race([
        exit,
        sleep(timeoutMs).then(() => {
          throw new Error(`${name} did not exit within ${timeoutMs} ms:\n${output}`);
        }),
      ]),
  };
}

/**
 * Polls until the process is ready: `ready` is a URL that answers 200 when it is, or a check.
 * Rejects with the process output after `timeoutMs`, or as soon as the process exits.
 */
export async function waitUntilReady(
  service: Pick<ServiceProcess, 'child' | 'output'>,
  ready: string | (() => boolean),
  timeoutMs = 15_000,
  pollMs = 50,
) {
  const check =
    typeof ready === 'string'
      ? () =>
          fetch(ready).then(
            (r) => r.ok,
            () => false,
          )
      : ready;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (service.child.exitCode !== null) break;
    if (await check()) return;
    await sleep(pollMs);
  }
  const what = typeof ready === 'string' ? ` at ${ready}` : '';
  const why =
    service.child.exitCode !== null
      ? `exited with ${service.child.exitCode}`
      : `not ready${what} after ${timeoutMs} ms`;
  throw new Error(`${why}:\n${service.output()}`);
}

/** A TCP port that was free a moment ago. */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  return port;
}

export type StartedService = { process: ServiceProcess; base: string; port: number };

/**
 * Spawns `name` on free ports, hands the process to `track` if given (so the caller can kill it
 * even when it never becomes ready) and waits until it is ready. `base` is its HTTP listener (point's is HTTP_PORT),
 * `port` its main one (gRPC for point).
 */
export async function startService(
  name: string,
  env: Record<string, string>,
  track?: (service: ServiceProcess) => void,
  entry: ServiceEntry = 'sources',
): Promise<StartedService> {
  const [port, httpPort] = [await freePort(), await freePort()];
  const service = spawnService(
    name,
    { HOST: '127.0.0.1', PORT: String(port), HTTP_PORT: String(httpPort), ...env },
    entry,
  );
  track?.(service);
  const base = `http://127.0.0.1:${name === 'point' ? httpPort : port}`;
  await waitUntilReady(service, `${base}/readyz`);
  return { process: service, base, port };
}
