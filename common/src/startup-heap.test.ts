// The release before start in this process's own V8 heap: a real collection, no stand-ins.
import { getHeapSpaceStatistics } from 'node:v8';
import test from 'ava';
import { collectUnusedMemory, releaseStartupHeap } from './startup-heap.ts';
import { captureLogs } from './testing/logs.ts';

const MiB = 2 ** 20;
const youngGeneration = () =>
  getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')?.space_size ?? 0;

/** What a busy period leaves: objects that lived long enough to grow the young generation, then died. */
function busyPeriod() {
  let kept: { i: number; s: string }[] | undefined = [];
  for (let i = 0; i < 400_000; i++) kept.push({ i, s: `user-${i}` });
  kept = undefined;
  return kept;
}

test.serial(
  'a memory-reducing collection gives back the young generation a busy period grew',
  async (t) => {
    busyPeriod();
    const grown = youngGeneration();
    t.true(grown >= 8 * MiB, `the young generation grew to ${grown / MiB} MiB`);
    const unused = () => process.memoryUsage().heapTotal - process.memoryUsage().heapUsed;
    const unusedBefore = unused();

    const collection = await collectUnusedMemory();

    t.true(youngGeneration() <= 2 * MiB, `young generation after: ${youngGeneration() / MiB} MiB`);
    t.true(unused() < unusedBefore - 4 * MiB);
    t.true(collection.rssAfter < collection.rssBefore);
    t.true(collection.tookMs >= 0);
  },
);

test.serial('the release before start gives back what loading left, and logs it', async (t) => {
  const { logger, lines } = captureLogs();
  busyPeriod(); // what loading the modules leaves
  const collection = await releaseStartupHeap(logger);
  t.truthy(collection);
  t.true(youngGeneration() <= 2 * MiB);
  const [logged] = lines().filter((line) => line.msg === 'released unused heap before start');
  t.is(logged?.level, 20); // debug
  t.is(logged?.rss_mb_after, Math.round(Number(collection?.rssAfter) / MiB));
});
