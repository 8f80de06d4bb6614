// The response envelope of spec/API.md.
import type { Context } from 'koa';

export function sendSuccess(ctx: Context, data: unknown): void {
  ctx.response.status = 200;
  ctx.res.setHeader('Access-Control-Allow-Origin', '*');
  sendJson(ctx, { result: 'success', data });
}

export function sendFailure(ctx: Context, status: number, message: string): void {
  ctx.response.status = status;
  sendJson(ctx, { result: 'failure', data: { message } });
}

// Serialised here rather than handed to Koa as an object: for an object body Koa tests
// `instanceof Response` (and Blob, ReadableStream), and the first such test makes Node load
// its fetch implementation, undici, a few MB of heap no service uses. A string body also skips
// Koa's content-type lookup on every response. Headers are set on Node's response directly:
// `ctx.set` normalises through arrays and closures, which showed up in the profile. Status and
// body go to `ctx.response`, not through `ctx`'s delegating accessors: they all share one
// function per kind, so every property read or written through them is a megamorphic lookup.
function sendJson(ctx: Context, payload: unknown): void {
  ctx.res.setHeader('Content-Type', 'application/json; charset=utf-8');
  ctx.response.body = JSON.stringify(payload);
}
