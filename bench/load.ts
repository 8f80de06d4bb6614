// Load generators: autocannon for HTTP, a small grpc-js loop for point.

import * as grpc from '@grpc/grpc-js';
import autocannon from 'autocannon';
import { protobufjsPoint } from '../proto/point.ts';

export type LoadResult = {
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
};

export type LoadOptions = {
  connections: number;
  seconds: number;
  warmupSeconds: number;
  /**
   * Requests per second over all connections; unset, every connection sends its next request as
   * soon as the last one is answered (the most the target can do).
   */
  rate?: number;
  /** Called between the warm-up and the measured run. */
  onMeasureStart?: () => Promise<void>;
};

export async function httpLoad(
  base: string,
  paths: string[],
  options: LoadOptions,
): Promise<LoadResult> {
  const run = (seconds: number) => {
    let next = 0;
    return autocannon({
      url: base,
      connections: options.connections,
      duration: seconds,
      ...(options.rate ? { overallRate: options.rate } : {}),
      requests: [
        { setupRequest: (request) => ({ ...request, path: paths[next++ % paths.length] }) },
      ],
    });
  };
  if (options.warmupSeconds > 0) await run(options.warmupSeconds);
  await options.onMeasureStart?.();
  const result = await run(options.seconds);
  return {
    requests: result.requests.total,
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts + result.non2xx,
  };
}

/** `connections` concurrent callers of GetUserListPoints with 50 ids each, over one channel. */
export async function grpcLoad(
  target: string,
  idSets: string[][],
  options: LoadOptions,
): Promise<LoadResult> {
  const client = new protobufjsPoint.Client(target, grpc.credentials.createInsecure());
  const call = (ids: string[]) =>
    new Promise<void>((resolve, reject) =>
      client.GetUserListPoints(
        { user_ids: ids },
        new grpc.Metadata(),
        { deadline: Date.now() + 5_000 },
        (error) => (error ? reject(error) : resolve()),
      ),
    );
  const run = async (seconds: number) => {
    const latencies: number[] = [];
    let errors = 0;
    let next = 0;
    const from = performance.now();
    const until = from + seconds * 1000;
    // At a fixed rate, call n is due at from + n / rate; a caller waits for its call's turn.
    let due = 0;
    const turn = async () => {
      if (!options.rate) return;
      const at = from + (due++ * 1000) / options.rate;
      const wait = at - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    };
    await Promise.all(
      Array.from({ length: options.connections }, async () => {
        while (performance.now() < until) {
          await turn();
          if (performance.now() >= until) break;
          const started = performance.now();
          await call(idSets[next++ % idSets.length] as string[]).then(
            () => latencies.push(performance.now() - started),
            () => errors++,
          );
        }
      }),
    );
    latencies.sort((a, b) => a - b);
    const at = (q: number) =>
      latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
    return {
      requests: latencies.length,
      rps: latencies.length / seconds,
      p50: at(0.5),
      p99: at(0.99),
      errors,
    };
  };
  try {
    if (options.warmupSeconds > 0) await run(options.warmupSeconds);
    await options.onMeasureStart?.();
    return await run(options.seconds);
  } finally {
    client.close();
  }
}
