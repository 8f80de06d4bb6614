// The response envelope of spec/API.md.
import type { Context } from 'koa';

export function sendSuccess(ctx: Context, data: unknown): void {
  ctx.status = 200;
  ctx.res.setHeader('Access-Control-Allow-Origin', '*');
  sendJson(ctx, { result: 'success', data });
}

export function sendFailure(ctx: Context, status: number, message: string): void {
  ctx.status = status;
  sendJson(ctx, { result: 'failure', data: { message } });
}

// Serialised here rather than handed to Koa as an object: for an object body Koa tests
// `instanceof Response` (and Blob, ReadableStream), and the first such test makes Node load
// its fetch implementation, undici, a few MB of heap no service uses. A string body also skips
// Koa's content-type lookup on every response. Headers are set on Node's response directly:
// `ctx.set` normalises through arrays and closures, which showed up in the profile.
function sendJson(ctx: Context, payload: unknown): void {
  ctx.res.setHeader('Content-Type', 'application/json; charset=utf-8');
  ctx.body = JSON.stringify(payload);
}
