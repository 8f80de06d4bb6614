// Whether this process should receive traffic; background checks keep probes off a slow database.
import type { Logger } from './logger.ts';

export type ReadinessCheck = { name: string; check: () => Promise<void> };
export type ReadinessStatus = { ready: boolean; reason: string };

export type Readiness = {
  status(): ReadinessStatus;
  /** Runs the checks now, then every `intervalMs`; resolves after the first round. */
  start(): Promise<void>;
  drain(): void;
  onChange(listener: (status: ReadinessStatus) => void): void;
};

export function createReadiness(options: {
  checks: ReadinessCheck[];
  logger: Logger;
  intervalMs?: number;
}): Readiness {
  const { checks, logger, intervalMs = 1_000 } = options;
  let current: ReadinessStatus = { ready: false, reason: 'starting' };
  let draining = false;
  let timer: NodeJS.Timeout | undefined;
  const listeners: ((status: ReadinessStatus) => void)[] = [];

  const set = (next: ReadinessStatus) => {
    if (next.ready === current.ready && next.reason === current.reason) return;
    const level = next.ready ? 'info' : 'warn';
    logger[level]({ ready: next.ready, reason: next.reason }, 'readiness changed');
    current = next;
    for (const listener of listeners) listener(next);
  };

  const runChecks = async () => {
    for (const { name, check } of checks) {
      try {
        await check();
      } catch {
        if (!draining) set({ ready: false, reason: `${name} unreachable` });
        return;
      }
    }
    if (!draining) set({ ready: true, reason: 'ready' });
  };

  return {
    status: () => current,
    async start() {
      await runChecks();
      const loop = async () => {
        await runChecks();
        if (!draining) timer = setTimeout(loop, intervalMs).unref();
      };
      if (!draining) timer = setTimeout(loop, intervalMs).unref();
    },
    drain() {
      draining = true;
      clearTimeout(timer);
      set({ ready: false, reason: 'draining' });
    },
    onChange: (listener) => void listeners.push(listener),
  };
}
