// V8's profilers via an in-process inspector; the heap sampler runs from the listener's start.
import { Session } from 'node:inspector/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  cpuProfileToPprof,
  encodePprof,
  heapProfileToPprof,
  type V8CpuProfile,
  type V8HeapProfile,
} from './pprof.ts';

/** Bytes between two sampled allocations: V8's default. */
export const heapSamplingIntervalBytes = 512 * 1024;
/** Microseconds between two CPU samples (V8's default). */
export const cpuSamplingIntervalUs = 1000;

export type Profilers = {
  heapProfile(): Promise<Buffer>;
  /** Gzipped pprof of `seconds` of CPU; `signal` ends it early (the client went away). */
  cpuProfile(seconds: number, signal?: AbortSignal): Promise<Buffer>;
  stop(): Promise<void>;
};

export async function startProfilers(): Promise<Profilers> {
  const session = new Session();
  session.connect();
  await session.post('HeapProfiler.enable');
  await session.post('HeapProfiler.startSampling', {
    samplingInterval: heapSamplingIntervalBytes,
  });
  return {
    async heapProfile() {
      // @types/node leaves out `samples`, which V8 sends.
      const { profile } = (await session.post('HeapProfiler.getSamplingProfile')) as unknown as {
        profile: V8HeapProfile;
      };
      return encodePprof(heapProfileToPprof(profile, heapSamplingIntervalBytes));
    },
    async cpuProfile(seconds, signal) {
      await session.post('Profiler.enable');
      try {
        await session.post('Profiler.setSamplingInterval', { interval: cpuSamplingIntervalUs });
        await session.post('Profiler.start');
        await sleep(seconds * 1000, undefined, { signal }).catch(() => {});
        const { profile } = (await session.post('Profiler.stop')) as { profile: V8CpuProfile };
        return encodePprof(cpuProfileToPprof(profile, cpuSamplingIntervalUs));
      } finally {
        await session.post('Profiler.disable');
      }
    },
    async stop() {
      await session.post('HeapProfiler.stopSampling').catch(() => {});
      session.disconnect();
    },
  };
}
