// Gives heap that a busy period left behind back to the system once the process is idle.
// V8 keeps its young generation at the size the last busy period grew it to (two 16 MiB
// semi-spaces: loading the modules at start-up alone gets there), and with nothing allocating it
// never runs the collection that would shrink it again: a service that has just started, or whose
// load has stopped, would keep 20–30 MB it does not use. A memory-reducing collection (what V8
// does on a low-memory notification, reached here through the in-process inspector) returns it,
// in 10–30 ms; the young generation grows back as soon as requests arrive again.
import { Session } from 'node:inspector/promises';
import { performance } from 'node:perf_hooks';
import type { Logger } from './logger.ts';

/** Heap committed but not in use: what a memory-reducing collection could give back. */
export function unusedHeapBytes(): number {
  const { heapTotal, heapUsed } = process.memoryUsage();
  return Math.max(0, heapTotal - heapUsed);
}

export type Collection = { tookMs: number; rssBefore: number; rssAfter: number };

/** One full, memory-reducing collection; resolves once it is done. */
export async function collectUnusedMemory(): Promise<Collection> {
  const rssBefore = process.memoryUsage.rss();
  const started = performance.now();
  const session = new Session();
  session.connect();
  try {
    await session.post('HeapProfiler.collectGarbage');
  } finally {
    session.disconnect();
  }
  return { tookMs: performance.now() - started, rssBefore, rssAfter: process.memoryUsage.rss() };
}

export type IdleMemoryOptions = {
  /** How often to look; 0 turns the release off (the one at start included). */
  intervalMs: number;
  logger: Logger;
  /**
   * Busier than this share of the last interval, the process is not idle (default 2 %: user and
   * point, idle but probed every 2 s and scraped every 5 s, used just under 1 % of a core on a
   * slow 2-core VM, and 5–11 % at 60 requests a second).
   */
  idleUtilization?: number;
  /** Release only when this much more heap is unused than after the last release (8 MiB). */
  slackBytes?: number;
  /** Consecutive idle intervals before a release (3: 30 s with a 10 s interval). */
  idleIntervals?: number;
  /**
   * The release at start waits this long (250 ms), so the first readiness probes are answered at
   * once instead of after a collection that stops the process for 50–150 ms. Traffic reaches a
   * pod later than that anyway: only once a probe has passed and the endpoints have been updated.
   */
  firstAfterMs?: number;
  onCollected?: (collection: Collection) => void;
};

/**
 * When to release, apart from the clock and V8: once per idle period, after `idleIntervals`
 * consecutive intervals with the event loop almost idle that follow one that was not, when at
 * least `slackBytes` more heap is unused than right after the last release. So never while the
 * process is busy, never twice without new growth in between, and never twice in one idle
 * period: light, steady traffic grows the young generation back a little at a time, and a rule
 * that releases at every interval that looks idle can collect again and again under it. Waiting
 * for several idle intervals keeps a pause between bursts from costing a release: the first
 * seconds of traffic after one cost more CPU while the heap grows back (at 60 requests a second,
 * a users request cost the two services 1.6–2 times as much in the 10 s after a release).
 */
export function releasePolicy({
  idleUtilization,
  slackBytes,
  idleIntervals,
}: Required<Pick<IdleMemoryOptions, 'idleUtilization' | 'slackBytes' | 'idleIntervals'>>) {
  let floor = 0; // unused heap right after the last release
  let busySinceRelease = false;
  let idleInARow = 0;
  return {
    /** A release finished, leaving `unusedBytes` of the heap unused. */
    released(unusedBytes: number) {
      floor = unusedBytes;
      busySinceRelease = false;
      idleInARow = 0;
    },
    /** An interval ended with the event loop `utilization` busy and `unusedBytes` unused. */
    shouldRelease(utilization: number, unusedBytes: number): boolean {
      if (utilization > idleUtilization) {
        busySinceRelease = true;
        idleInARow = 0;
        return false;
      }
      idleInARow++;
      return busySinceRelease && idleInARow >= idleIntervals && unusedBytes - floor >= slackBytes;
    },
  };
}

/**
 * Releases unused heap shortly after start (what start-up left behind), then as `releasePolicy`
 * decides at each interval.
 */
export function releaseMemoryWhenIdle(options: IdleMemoryOptions): { stop(): void } {
  const {
    intervalMs,
    logger,
    idleUtilization = 0.02,
    slackBytes = 8 * 2 ** 20,
    idleIntervals = 3,
    firstAfterMs = 250,
  } = options;
  if (intervalMs <= 0) return { stop() {} };
  const policy = releasePolicy({ idleUtilization, slackBytes, idleIntervals });
  let utilization = performance.eventLoopUtilization();
  let running = false;

  const release = async () => {
    running = true;
    try {
      const collection = await collectUnusedMemory();
      const mb = (bytes: number) => Math.round(bytes / 2 ** 20);
      logger.debug(
        {
          took_ms: Math.round(collection.tookMs),
          rss_mb_before: mb(collection.rssBefore),
          rss_mb_after: mb(collection.rssAfter),
        },
        'released unused heap while idle',
      );
      options.onCollected?.(collection);
    } catch (error) {
      logger.warn({ err: error }, 'could not release unused heap');
    } finally {
      // The collection's own time is not the process being busy.
      policy.released(unusedHeapBytes());
      utilization = performance.eventLoopUtilization();
      running = false;
    }
  };

  const check = () => {
    const busy = performance.eventLoopUtilization(utilization).utilization;
    utilization = performance.eventLoopUtilization();
    if (first || running) return;
    if (policy.shouldRelease(busy, unusedHeapBytes())) void release();
  };

  let first: NodeJS.Timeout | undefined = setTimeout(() => {
    first = undefined;
    void release();
  }, firstAfterMs).unref();
  const timer = setInterval(check, intervalMs).unref();
  return {
    stop() {
      clearTimeout(first);
      clearInterval(timer);
    },
  };
}
