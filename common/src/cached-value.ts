// A value that is expensive to compute and may be slightly stale, within an explicit bound.

export type CachedValue<T> = { get(): Promise<T> };

/**
 * Serves what `load` computed while it is younger than `maxAgeMs` (its age counts from when the
 * computation started, so the bound holds). Shortly before that, the first caller starts a
 * refresh in the background and still gets the current value, so callers rarely wait: early
 * enough for a computation as slow as the last one (plus a quarter) to finish in time, but never
 * before half the bound — so the computation runs a little more often than once per `maxAgeMs`
 * (at most twice), not once per request; on a big table each run is costly, so the margin is
 * kept tight. Past `maxAgeMs` callers wait for a fresh value. At most one computation is in
 * flight: concurrent callers share it, so a burst never stampedes the database. With `maxAgeMs`
 * 0 every call computes, still shared. `onComputed` hears how long each computation took.
 */
export function createCachedValue<T>(
  load: () => Promise<T>,
  maxAgeMs: number,
  {
    now = () => performance.now(),
    onComputed,
  }: { now?: () => number; onComputed?: (tookMs: number) => void } = {},
): CachedValue<T> {
  let current: { value: T; computedAt: number; tookMs: number } | undefined;
  let inFlight: Promise<T> | undefined;

  const refresh = () => {
    inFlight ??= (async () => {
      const startedAt = now();
      const value = await load();
      current = { value, computedAt: startedAt, tookMs: now() - startedAt };
      onComputed?.(current.tookMs);
      return value;
    })().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };

  return {
    get() {
      if (current) {
        const age = now() - current.computedAt;
        if (age < maxAgeMs) {
          // A failed early refresh is not an error yet: the value is still within its bound.
          const refreshAt = Math.max(maxAgeMs / 2, maxAgeMs - 1.25 * current.tookMs);
          if (age >= refreshAt) refresh().catch(() => {});
          return Promise.resolve(current.value);
        }
      }
      return refresh();
    },
  };
}
