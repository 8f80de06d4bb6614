// Gives back heap that is allocated but no longer used: what loading the modules left, before the
// service starts, and (when turned on) what a busy period left, once the process is idle.
// V8 keeps its young generation at the size the last busy period grew it to (two 16 MiB
// semi-spaces: loading the modules alone gets there), and with nothing allocating it never runs
// the collection that would shrink it again. A memory-reducing collection (what V8 does on a
// low-memory notification, reached here through the in-process inspector) returns it in 10-30 ms.
//
// Its cost: once process.nextTick has run, a memory-reducing collection leaves it about seven
// times slower for the rest of the process (50 -> 350 ns a call in Node 24.21: the object literal
// with computed keys that it builds for every tick is no longer optimised), and serving HTTP alone
// makes 9 ticks per request. So the release before start runs before any I/O, when no tick has
// run yet, and the release when idle is off unless IDLE_MEMORY_CHECK_MS turns it on (see
// docs/BENCHMARKS.md, "Memory").
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
  /** How often to look; 0 turns the release off. */
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
 * seconds of traffic after one cost more CPU while the heap grows back, and every request after it
 * pays for the slower process.nextTick (the header).
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
 * Gives back what loading the modules left, once, before the service starts anything: call it
 * before any I/O, while process.nextTick has not run yet (the header says why). Logged at debug
 * level with the RSS before and after; a failure is logged and otherwise ignored.
 */
export async function releaseStartupHeap(logger: Logger): Promise<Collection | undefined> {
  try {
    const collection = await collectUnusedMemory();
    logger.debug(describe(collection), 'released unused heap before start');
    return collection;
  } catch (error) {
    logger.warn({ err: error }, 'could not release unused heap');
    return undefined;
  }
}

const mb = (bytes: number) => Math.round(bytes / 2 ** 20);
const describe = (collection: Collection) => ({
  took_ms: Math.round(collection.tookMs),
  rss_mb_before: mb(collection.rssBefore),
  rss_mb_after: mb(collection.rssAfter),
});

/** Releases unused heap as `releasePolicy` decides at each interval; 0 turns it off. */
export function releaseMemoryWhenIdle(options: IdleMemoryOptions): { stop(): void } {
  const {
    intervalMs,
    logger,
    idleUtilization = 0.02,
    slackBytes = 8 * 2 ** 20,
    idleIntervals = 3,
  } = options;
  if (intervalMs <= 0) return { stop() {} };
  const policy = releasePolicy({ idleUtilization, slackBytes, idleIntervals });
  policy.released(unusedHeapBytes()); // growth is counted from here
  let utilization = performance.eventLoopUtilization();
  let running = false;

  const release = async () => {
    running = true;
    try {
      const collection = await collectUnusedMemory();
      logger.debug(describe(collection), 'released unused heap while idle');
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
    if (running) return;
    if (policy.shouldRelease(busy, unusedHeapBytes())) void release();
  };

  const timer = setInterval(check, intervalMs).unref();
  return {
    stop() {
      clearInterval(timer);
    },
  };
}
