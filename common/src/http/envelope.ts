// The response envelope of docs/API.md.
import type { Context } from 'koa';

export function sendSuccess(ctx: Context, data: unknown): void {
  ctx.status = 200;
  ctx.set('Access-Control-Allow-Origin', '*');
  sendJson(ctx, { result: 'success', data });
}

export function sendFailure(ctx: Context, status: number, message: string): void {
  ctx.status = status;
  sendJson(ctx, { result: 'failure', data: { message } });
}

function sendJson(ctx: Context, payload: unknown): void {
  ctx.type = 'application/json; charset=utf-8';
  ctx.body = JSON.stringify(payload);
}
