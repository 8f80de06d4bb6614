// Service processes for the benchmark: node and an entry (a service's bundle, as the image runs
// it, or a baseline's .ts), timed from spawn to ready, and measured for resident memory and CPU time.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { repositoryRoot, waitUntilReady } from '@backend/common/testing/processes';

export type Launched = {
  name: string;
  child: ChildProcess;
  /** Milliseconds from spawn to ready. */
  readyMs: number;
  rssMb(): number;
  /** The file-backed part of RSS: mostly the node binary's code, shared and evictable. */
  fileRssMb(): number;
  peakRssMb(): number;
  /** CPU time the process has used so far (user + system), in milliseconds. */
  cpuMs(): number;
  stop(): Promise<void>;
};

// Children are not ended with the harness by default: whatever ends it (an error, Ctrl-C, a
// plain SIGTERM) ends the services and baselines it started too.
const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGTERM');
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => process.exit(signal === 'SIGINT' ? 130 : 143));
}

function statusField(pid: number, field: string): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${field}:`));
  return Number(line?.split(/\s+/)[1] ?? 0) / 1024;
}

// /proc/<pid>/stat counts CPU time in clock ticks (USER_HZ, 100 on Linux).
const ticksPerSecond =
  Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout) || 100;

function cpuMsOf(pid: number): number {
  // The fields after the command name, which is in parentheses and may contain spaces.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime
  return (ticks * 1000) / ticksPerSecond;
}

/** Spawns `entry`; ready when `readyUrl` answers 200, or when the process prints "ready". */
export async function launch(
  name: string,
  entry: string,
  env: Record<string, string>,
  readyUrl?: string,
): Promise<Launched> {
  const started = performance.now();
  const child = spawn(process.execPath, [entry], {
    cwd: repositoryRoot,
    // NODE_OPTIONS passes through, so V8 settings can be compared (e.g. --max-semi-space-size).
    env: { PATH: process.env.PATH, NODE_OPTIONS: process.env.NODE_OPTIONS ?? '', ...env },
    stdio: ['ignore', readyUrl ? 'ignore' : 'pipe', 'pipe'],
  });
  running.add(child);
  child.once('exit', () => running.delete(child));
  let errors = '';
  child.stderr?.on('data', (chunk) => (errors += chunk));
  let printedReady = false;
  child.stdout?.on('data', (chunk) => {
    printedReady ||= String(chunk).includes('ready');
  });
  await waitUntilReady(
    { child, output: () => `${name}: ${errors}` },
    readyUrl ?? (() => printedReady),
    20_000,
    5,
  );
  const readyMs = performance.now() - started;
  const pid = child.pid as number;
  return {
    name,
    child,
    readyMs,
    rssMb: () => statusField(pid, 'VmRSS'),
    fileRssMb: () => statusField(pid, 'RssFile'),
    peakRssMb: () => statusField(pid, 'VmHWM'),
    cpuMs: () => cpuMsOf(pid),
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await Promise.race([once(child, 'exit'), sleep(10_000).then(() => child.kill('SIGKILL'))]);
    },
  };
}
