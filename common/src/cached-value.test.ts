import test, { type ExecutionContext } from 'ava';
import { createCachedValue } from './cached-value.ts';

/** A load whose calls the test resolves by hand, and a clock the test moves. */
function harness(maxAgeMs: number) {
  let time = 0;
  const calls: { resolve: (value: number) => void; reject: (error: Error) => void }[] = [];
  const cache = createCachedValue(
    () => new Promise<number>((resolve, reject) => calls.push({ resolve, reject })),
    maxAgeMs,
    { now: () => time },
  );
  return {
    cache,
    calls,
    advance: (ms: number) => {
      time += ms;
    },
  };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

test('concurrent callers share one computation', async (t) => {
  const { cache, calls } = harness(1_000);
  const results = Promise.all(Array.from({ length: 50 }, () => cache.get()));
  t.is(calls.length, 1);
  calls[0]?.resolve(42);
  t.deepEqual(
    await results,
    Array.from({ length: 50 }, () => 42),
  );
});

/** A first computation that takes `tookMs`; then not refreshed before `fromMs`, refreshed at it. */
async function refreshedAheadFrom(t: ExecutionContext, tookMs: number, fromMs: number) {
  const { cache, calls, advance } = harness(1_000);
  const first = cache.get();
  advance(tookMs);
  calls[0]?.resolve(1);
  await first;
  advance(fromMs - 1 - tookMs);
  t.is(await cache.get(), 1);
  t.is(calls.length, 1, `no refresh at ${fromMs - 1} ms`);
  advance(1);
  t.is(await cache.get(), 1); // the current value, while the refresh runs
  t.is(calls.length, 2, `a refresh at ${fromMs} ms`);
}

test('a fresh value is served without computing until shortly before the bound', async (t) => {
  // The computation takes 100 ms: refreshed ahead from 1,000 − 1.25 × 100 = 875 ms.
  await refreshedAheadFrom(t, 100, 875);
});

test('a computation of 300 ms is refreshed ahead from 625 ms (1,000 − 1.25 × 300)', async (t) => {
  // And 2 × 300 = 600 ms since it started: the later of the two wins.
  await refreshedAheadFrom(t, 300, 625);
});

test('never sooner after the last computation ended than it took: the database is busy at most half the time', async (t) => {
  // 1,000 − 1.25 × 400 = 500 would run it back to back: it waits until 2 × 400 = 800 ms.
  await refreshedAheadFrom(t, 400, 800);
});

test('a computation as slow as half the bound is not refreshed ahead: callers wait at the bound', async (t) => {
  const { cache, calls, advance } = harness(1_000);
  const first = cache.get();
  advance(600);
  calls[0]?.resolve(1);
  await first;
  advance(399); // 999 ms old: still served, no refresh started
  t.is(await cache.get(), 1);
  t.is(calls.length, 1);
  advance(1); // at the bound: callers share one fresh computation
  const waiting = [cache.get(), cache.get()];
  t.is(calls.length, 2);
  calls[1]?.resolve(2);
  t.deepEqual(await Promise.all(waiting), [2, 2]);
});

test('near the bound, one background refresh starts and the current value is served', async (t) => {
  const { cache, calls, advance } = harness(1_000);
  const first = cache.get();
  advance(100);
  calls[0]?.resolve(1);
  await first;
  advance(800); // 900 ms old, past 875
  t.is(await cache.get(), 1);
  t.is(await cache.get(), 1);
  t.is(calls.length, 2, 'exactly one refresh');
  calls[1]?.resolve(2);
  await settle();
  t.is(await cache.get(), 2);
});

test('nothing older than the bound is ever served: callers wait for a fresh value', async (t) => {
  const { cache, calls, advance } = harness(1_000);
  const first = cache.get();
  calls[0]?.resolve(1);
  await first;
  advance(1_000);
  const waiting = cache.get();
  t.is(calls.length, 2);
  calls[1]?.resolve(2);
  t.is(await waiting, 2);
});

test('age counts from when the computation started, so a slow computation cannot stretch the bound', async (t) => {
  const { cache, calls, advance } = harness(1_000);
  const first = cache.get();
  advance(800); // the computation takes 800 ms
  calls[0]?.resolve(1);
  await first;
  advance(250); // 1,050 ms after it started
  const next = cache.get();
  t.is(calls.length, 2, 'stale by its start time: recomputed');
  calls[1]?.resolve(2);
  t.is(await next, 2);
});

test('a failure reaches the callers waiting for it, and the next call tries again', async (t) => {
  const { cache, calls } = harness(1_000);
  const failing = cache.get();
  calls[0]?.reject(new Error('database down'));
  await t.throwsAsync(failing, { message: 'database down' });
  const retry = cache.get();
  t.is(calls.length, 2);
  calls[1]?.resolve(3);
  t.is(await retry, 3);
});

test('a failed early refresh keeps serving the value until its bound', async (t) => {
  const { cache, calls, advance } = harness(1_000);
  const first = cache.get();
  advance(100);
  calls[0]?.resolve(1);
  await first;
  advance(850);
  t.is(await cache.get(), 1);
  t.is(calls.length, 2, 'the early refresh started');
  calls[1]?.reject(new Error('blip'));
  await settle();
  t.is(await cache.get(), 1);
});

test('with a bound of 0 every call computes, but concurrent calls still share', async (t) => {
  const { cache, calls } = harness(0);
  const a = cache.get();
  const b = cache.get();
  t.is(calls.length, 1);
  calls[0]?.resolve(1);
  t.deepEqual(await Promise.all([a, b]), [1, 1]);
  const c = cache.get();
  t.is(calls.length, 2);
  calls[1]?.resolve(2);
  t.is(await c, 2);
});
