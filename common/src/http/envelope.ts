// The response envelope of spec/API.md.
import type { Context } from 'koa';

export function sendSuccess(ctx: Context, data: unknown): void {
  ctx.status = 200;
  ctx.set('Access-Control-Allow-Origin', '*');
  ctx.body = { result: 'success', data };
}

export function sendFailure(ctx: Context, status: number, message: string): void {
  ctx.status = status;
  ctx.body = { result: 'failure', data: { message } };
}
