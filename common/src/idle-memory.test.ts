// The idle memory release in this process's own V8 heap: a real collection, no stand-ins.
import { setTimeout as sleep } from 'node:timers/promises';
import { getHeapSpaceStatistics } from 'node:v8';
import test from 'ava';
import {
  type Collection,
  collectUnusedMemory,
  releaseMemoryWhenIdle,
  releasePolicy,
  releaseStartupHeap,
  unusedHeapBytes,
} from './idle-memory.ts';
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
    const unusedBefore = unusedHeapBytes();

    const collection = await collectUnusedMemory();

    t.true(youngGeneration() <= 2 * MiB, `young generation after: ${youngGeneration() / MiB} MiB`);
    t.true(unusedHeapBytes() < unusedBefore - 4 * MiB);
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

test.serial('releases once idle after new growth, never twice for nothing', async (t) => {
  const { logger, lines } = captureLogs();
  const collections: Collection[] = [];
  busyPeriod(); // garbage from before it began is not its business
  const release = releaseMemoryWhenIdle({
    intervalMs: 40,
    // The test's own timers are a few per cent of an interval this short.
    idleUtilization: 0.05,
    logger,
    onCollected: (collection) => collections.push(collection),
  });
  t.teardown(() => release.stop());

  await sleep(250); // six idle intervals, nothing grew since it began
  t.is(collections.length, 0);

  busyPeriod();
  await waitFor(() => collections.length === 1);
  t.true(youngGeneration() <= 2 * MiB);
  await sleep(200);
  t.is(collections.length, 1);

  busyPeriod();
  await waitFor(() => collections.length === 2);
  const logged = lines().filter((line) => line.msg === 'released unused heap while idle');
  t.is(logged.length, 2);
  t.is(logged[0]?.level, 20); // debug
  t.is(typeof logged[0]?.rss_mb_after, 'number');
});

test.serial('a busy process is left alone, and 0 turns the release off', async (t) => {
  const { logger } = captureLogs();
  const busy: Collection[] = [];
  const never = releaseMemoryWhenIdle({
    intervalMs: 40,
    logger,
    idleUtilization: -1, // every interval counts as busy
    onCollected: (collection) => busy.push(collection),
  });
  t.teardown(() => never.stop());
  busyPeriod();
  await sleep(200);
  t.is(busy.length, 0);

  const off: Collection[] = [];
  const disabled = releaseMemoryWhenIdle({
    intervalMs: 0,
    logger,
    onCollected: (collection) => off.push(collection),
  });
  busyPeriod();
  await sleep(200);
  disabled.stop();
  t.is(off.length, 0);
});

test('the policy releases once per idle period, never during traffic however light', (t) => {
  const policy = releasePolicy({ idleUtilization: 0.01, slackBytes: 8 * MiB, idleIntervals: 2 });
  policy.released(2 * MiB); // the release at start
  const decide = (utilization: number, unusedMiB: number) =>
    policy.shouldRelease(utilization, unusedMiB * MiB);

  // Nothing happened since: idle intervals, whatever the heap does, are the same idle period.
  t.false(decide(0.002, 2));
  t.false(decide(0.008, 30), 'under the threshold is still idle: no busy interval since');
  t.false(decide(0.008, 30));

  // Light traffic (3 % busy) grows the heap interval after interval: never a release during it.
  for (const unused of [12, 20, 28, 36]) t.false(decide(0.03, unused));
  // It stops: a release once it has been idle for two intervals, then none, even with growth.
  t.false(decide(0.001, 36), 'one idle interval is a pause, not an idle period');
  t.true(decide(0.001, 36));
  policy.released(3 * MiB);
  for (const unused of [3, 20, 30]) t.false(decide(0.009, unused));

  // A pause between bursts, shorter than two intervals, costs no release.
  t.false(decide(0.4, 40));
  t.false(decide(0.001, 40));
  t.false(decide(0.4, 40));
  // A busy period that grew less than the slack leaves nothing worth a collection.
  t.false(decide(0.4, 9));
  t.false(decide(0.001, 9));
  t.false(decide(0.001, 9));
  // One that grew more is released once it has been idle long enough.
  t.false(decide(0.4, 40));
  t.false(decide(0.001, 40));
  t.true(decide(0.001, 40));
});

async function waitFor(condition: () => boolean, timeoutMs = 5_000) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(10);
  }
}
