export type CachedValue<T> = {
  get(): Promise<T>;
  /** get(), saying whether the value came from the cache (false: the caller waits). */
  read(): { value: Promise<T>; cached: boolean };
};

/**
 * Serves the value while younger than `maxAgeMs` (age counts from the start of the computation).
 * Refreshes ahead in the background, never back to back; one computation in flight at a time.
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
        // A failed early refresh is no error yet: the value is within its bound.
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
