// The debug listener: heap snapshot and pprof profiles, one at a time, on 127.0.0.1 only.
import { once } from 'node:events';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { writeHeapSnapshot } from 'node:v8';
import type { Logger } from '../logger.ts';
import { type Profilers, startProfilers } from './profilers.ts';

export const DEBUG_HOST = '127.0.0.1';
export const MAX_CPU_PROFILE_SECONDS = 60;
const DEFAULT_CPU_PROFILE_SECONDS = 10;

export type DebugServer = { port: number; close(): Promise<void> };

type Route = {
  what: string;
  /** A message when the request is invalid. */
  check?: (url: URL) => string | undefined;
  handle: (response: ServerResponse, url: URL) => Promise<void>;
};

export async function startDebugServer(options: {
  service: string;
  port: number;
  logger: Logger;
}): Promise<DebugServer> {
  const { service } = options;
  const log = options.logger.child({ component: 'debug' });
  const profilers: Profilers = await startProfilers();
  const stopping = new AbortController();
  let busy: string | undefined;

  const fileName = (suffix: string) =>
    `${service}-${hostname()}-${new Date().toISOString().replace(/[:.]/g, '-')}${suffix}`;
  const download = (response: ServerResponse, name: string, size?: number) => {
    response.writeHead(200, {
      'Content-Type': 'application/octet-stream',
      'Content-Disposition': `attachment; filename="${name}"`,
      'Cache-Control': 'no-store',
      ...(size === undefined ? {} : { 'Content-Length': size }),
    });
  };

  const routes: Record<string, Route> = {
    '/debug/heap-snapshot': {
      what: 'a heap snapshot',
      async handle(response) {
        // Written to /tmp and streamed: v8.getHeapSnapshot() would hold a copy in memory too.
        const directory = await mkdtemp(join(tmpdir(), 'heap-snapshot-'));
        try {
          const file = writeHeapSnapshot(join(directory, 'snapshot.heapsnapshot'));
          const { size } = await stat(file);
          download(response, fileName('.heapsnapshot'), size);
          await pipeline(createReadStream(file), response);
        } finally {
          await rm(directory, { recursive: true, force: true });
        }
      },
    },
    '/debug/pprof/heap': {
      what: 'a heap profile',
      async handle(response) {
        const profile = await profilers.heapProfile();
        download(response, fileName('.heap.pb.gz'));
        response.end(profile);
      },
    },
    '/debug/pprof/profile': {
      what: 'a CPU profile',
      check: (url) =>
        parseSeconds(url) === undefined
          ? `seconds must be an integer from 1 to ${MAX_CPU_PROFILE_SECONDS}`
          : undefined,
      async handle(response, url) {
        const gone = new AbortController();
        response.once('close', () => gone.abort()); // the client went away
        const signal = AbortSignal.any([gone.signal, stopping.signal]);
        const profile = await profilers.cpuProfile(parseSeconds(url) as number, signal);
        download(response, fileName('.cpu.pb.gz'));
        response.end(profile);
      },
    },
  };

  const server = createServer(async (request, response) => {
    const url = new URL(request.url ?? '/', `http://${DEBUG_HOST}`);
    if (request.method !== 'GET') {
      return fail(response, 405, 'only GET is served here');
    }
    if (url.pathname === '/') return sendIndex(response, service);
    const route = routes[url.pathname];
    if (!route) return fail(response, 404, `no such page: ${url.pathname}; see /`);
    const invalid = route.check?.(url);
    if (invalid) return fail(response, 400, invalid);
    if (busy) {
      return fail(
        response,
        409,
        `${busy} is being taken; one snapshot or profile at a time, try again when it is done`,
      );
    }
    busy = route.what;
    const started = performance.now();
    log.info({ path: url.pathname }, `taking ${route.what}`);
    try {
      await route.handle(response, url);
      log.info({ path: url.pathname, duration_ms: elapsed(started) }, `${route.what} sent`);
    } catch (error) {
      log.warn({ err: error, path: url.pathname }, `${route.what} failed`);
      if (!response.headersSent) fail(response, 500, `${route.what} failed`);
      else response.destroy();
    } finally {
      busy = undefined;
    }
  });
  server.listen(options.port, DEBUG_HOST);
  await once(server, 'listening');
  const bound = (server.address() as AddressInfo).port;
  log.info({ address: DEBUG_HOST, port: bound }, 'debug listener on loopback only');

  return {
    port: bound,
    async close() {
      stopping.abort();
      const closed = new Promise((resolve) => server.close(resolve));
      server.closeAllConnections(); // a download in progress is not worth delaying a shutdown
      await closed;
      await profilers.stop();
    },
  };
}

function parseSeconds(url: URL): number | undefined {
  const text = url.searchParams.get('seconds');
  if (text === null || text === '') return DEFAULT_CPU_PROFILE_SECONDS;
  if (!/^\d{1,3}$/.test(text)) return undefined;
  const seconds = Number(text);
  return seconds >= 1 && seconds <= MAX_CPU_PROFILE_SECONDS ? seconds : undefined;
}

const elapsed = (since: number) => Math.round(performance.now() - since);

function fail(response: ServerResponse, status: number, message: string): void {
  response.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8' });
  response.end(JSON.stringify({ result: 'failure', data: { message } }));
}

function sendIndex(response: ServerResponse, service: string): void {
  response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
  response.end(`<!doctype html>
<title>${service} debug</title>
<h1>${service} debug listener</h1>
<p>One at a time; while one is being taken, the others answer 409.</p>
<ul>
<li><a href="/debug/heap-snapshot">/debug/heap-snapshot</a>: V8 heap snapshot (.heapsnapshot),
  open it in Chrome DevTools, Memory tab, Load. Taking it pauses the process and needs the heap's
  size again and more in memory.</li>
<li><a href="/debug/pprof/heap">/debug/pprof/heap</a>: live heap sampled since this listener
  started (gzipped pprof): <code>go tool pprof -http=: file.pb.gz</code> or speedscope.</li>
<li><a href="/debug/pprof/profile?seconds=${DEFAULT_CPU_PROFILE_SECONDS}">/debug/pprof/profile?seconds=N</a>:
  CPU profile over N seconds (1 to ${MAX_CPU_PROFILE_SECONDS}, default ${DEFAULT_CPU_PROFILE_SECONDS}), gzipped pprof.</li>
</ul>
`);
}
