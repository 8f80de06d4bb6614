// node:http and @koa/router, loaded with require() instead of import. Since Node 22 `node:http`
// has lazy getters (WebSocket, CloseEvent, MessageEvent), and Node builds the ESM view of a
// built-in by reading every export: one `import … from 'node:http'` anywhere in the process
// (ours, or @koa/router's ESM build) makes Node load undici, its fetch implementation, which no
// service uses: 1–2 MB of RSS in a service, 10 MB in a bare process (docs/BENCHMARKS.md,
// "Memory"). require() hands back the module object and leaves the getters alone;
// test/idle-memory.test.ts checks that a service answering requests has not loaded undici.

import type * as NodeHttp from 'node:http';
import { createRequire } from 'node:module';
import type { Router as KoaRouter, RouterInstance } from '@koa/router';

const require = createRequire(import.meta.url);

export const { createServer }: typeof NodeHttp = require('node:http');

export const Router: typeof KoaRouter = require('@koa/router');
export type Router<State = unknown> = RouterInstance<State>;
