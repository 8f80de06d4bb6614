// A value that is expensive to compute and may be slightly stale, within an explicit bound.

export type CachedValue<T> = {
  get(): Promise<T>;
  /** get(), saying whether the value was served from the cache (false: the caller waits for a computation). */
  read(): { value: Promise<T>; cached: boolean };
};

/**
 * Serves what `load` computed while it is younger than `maxAgeMs` (its age counts from when the
 * computation started, so the bound holds). Shortly before that, the first caller starts a
 * refresh in the background and still gets the current value, so callers rarely wait: early
 * enough for a computation as slow as the last one (plus a quarter) to finish in time, but never
 * sooner after the last computation ended than it took — so the computation runs a little more
 * often than once per `maxAgeMs` (at most 1.6 times), not once per request, and keeps the
 * database busy at most half the time. A slow computation (half the bound or more) is therefore
 * not refreshed ahead at all: on a big table, on a loaded machine, running it back to back would
 * slow it further and everything else with it. Past `maxAgeMs` callers wait for a fresh value.
 * At most one computation is in flight: concurrent callers share it, so a burst never stampedes
 * the database. With `maxAgeMs` 0 every call computes, still shared. `onComputed` hears how long
 * each computation took.
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

  const read = () => {
    if (current) {
      const age = now() - current.computedAt;
      if (age < maxAgeMs) {
        // A failed early refresh is not an error yet: the value is still within its bound.
        const { tookMs } = current;
        const refreshAt = Math.max(maxAgeMs - 1.25 * tookMs, 2 * tookMs);
        if (age >= refreshAt) refresh().catch(() => {});
        return { value: Promise.resolve(current.value), cached: true };
      }
    }
    return { value: refresh(), cached: false };
  };
  return { read, get: () => read().value };
}
