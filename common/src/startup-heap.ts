// Gives back the heap module loading grew, before any I/O: V8 keeps the young generation that
// size until a memory-reducing collection.
import { Session } from 'node:inspector/promises';
import type { Logger } from './logger.ts';

export type Collection = { tookMs: number; rssBefore: number; rssAfter: number };

/** One full, memory-reducing collection, as on a low-memory notification. */
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

/** A failure is logged and ignored. */
export async function releaseStartupHeap(logger: Logger): Promise<Collection | undefined> {
  try {
    const collection = await collectUnusedMemory();
    const mb = (bytes: number) => Math.round(bytes / 2 ** 20);
    logger.debug(
      {
        took_ms: Math.round(collection.tookMs),
        rss_mb_before: mb(collection.rssBefore),
        rss_mb_after: mb(collection.rssAfter),
      },
      'released unused heap before start',
    );
    return collection;
  } catch (error) {
    logger.warn({ err: error }, 'could not release unused heap');
    return undefined;
  }
}
