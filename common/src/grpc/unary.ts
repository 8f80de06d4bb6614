// Wraps a promise-returning handler as a grpc-js unary handler: request id from metadata,
// one log line and the grpc_server_* metrics per call, and errors mapped to status codes
// (never UNKNOWN, never internals).
import * as grpc from '@grpc/grpc-js';
import { AppError, isUnavailableError } from '../errors.ts';
import { acceptRequestId } from '../http/request-id.ts';
import type { Logger } from '../logger.ts';
import type { GrpcCallMetrics } from './grpc-metrics.ts';

export type UnaryContext = { requestId: string; log: Logger };

export type UnaryDeps = {
  logger: Logger;
  /** Fully qualified service name, the grpc_service label (point.PointServer). */
  service: string;
  /** grpc_server_* metrics (createGrpcMetrics(registry, 'server', …)); none in some tests. */
  metrics?: GrpcCallMetrics;
};

export const invalidArgument = (message: string) => new AppError(400, 'bad_request', message);

export function unaryHandler<Request, Reply>(
  { logger, service, metrics }: UnaryDeps,
  method: string,
  handle: (request: Request, context: UnaryContext) => Promise<Reply>,
): grpc.handleUnaryCall<Request, Reply> {
  return (call, callback) => {
    const started = process.hrtime.bigint();
    const handled = metrics?.start({ service, method });
    const incoming = call.metadata.get('x-request-id')[0];
    const requestId = acceptRequestId(typeof incoming === 'string' ? incoming : undefined);
    const log = logger.child({ req_id: requestId }, true);
    const finish = (code: grpc.status, error?: unknown) => {
      handled?.(code);
      const line = {
        grpc_method: method,
        grpc_code: grpc.status[code],
        duration_ms: Number(process.hrtime.bigint() - started) / 1e6,
        ...(error ? { err: error } : {}),
      };
      if (code === grpc.status.INTERNAL || code === grpc.status.UNAVAILABLE)
        log.error(line, method);
      else log.info(line, method);
    };
    handle(call.request, { requestId, log }).then(
      (reply) => {
        callback(null, reply);
        finish(grpc.status.OK);
      },
      (error: unknown) => {
        const { code, details } = toStatus(error);
        callback({ code, details });
        finish(code, code === grpc.status.INVALID_ARGUMENT ? undefined : error);
      },
    );
  };
}

export function toStatus(error: unknown): { code: grpc.status; details: string } {
  if (error instanceof AppError && error.code === 'bad_request') {
    return { code: grpc.status.INVALID_ARGUMENT, details: error.message };
  }
  if (isUnavailableError(error)) {
    return { code: grpc.status.UNAVAILABLE, details: 'the database is unavailable' };
  }
  return { code: grpc.status.INTERNAL, details: 'internal error' };
}
