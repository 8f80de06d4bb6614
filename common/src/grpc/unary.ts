// A promise-returning handler as a grpc-js unary handler: request id, one log line, metrics and a
// SERVER span per call, and errors mapped to status codes (never UNKNOWN, never internals).
import * as grpc from '@grpc/grpc-js';
import { AppError, isUnavailableError } from '../errors.ts';
import { acceptRequestId } from '../http/request-id.ts';
import type { Logger } from '../logger.ts';
import { context, propagation, recordFailure, SpanKind, trace, tracer } from '../tracing.ts';
import type { GrpcCallMetrics } from './grpc-metrics.ts';
import { metadataGetter } from './trace-metadata.ts';

// Server-side failures per the OTel gRPC conventions; the others are the caller's (like a 4xx).
const serverErrors = new Set([
  grpc.status.UNKNOWN,
  grpc.status.DEADLINE_EXCEEDED,
  grpc.status.UNIMPLEMENTED,
  grpc.status.INTERNAL,
  grpc.status.UNAVAILABLE,
  grpc.status.DATA_LOSS,
]);

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
    const parent = propagation.extract(context.active(), call.metadata, metadataGetter);
    const previousAttempts = Number(call.metadata.get('grpc-previous-rpc-attempts')[0] ?? 0);
    const span = tracer.startSpan(
      `${service}/${method}`,
      {
        kind: SpanKind.SERVER,
        attributes: {
          'rpc.system': 'grpc',
          'rpc.service': service,
          'rpc.method': method,
          ...(previousAttempts > 0 && { 'rpc.grpc.previous_attempts': previousAttempts }),
        },
      },
      parent,
    );
    const active = trace.setSpan(parent, span);
    const finish = (code: grpc.status, error?: unknown, details?: string) => {
      handled?.(code);
      span.setAttribute('rpc.grpc.status_code', code);
      if (serverErrors.has(code)) recordFailure(span, error, grpc.status[code], details);
      const line = {
        grpc_method: method,
        grpc_code: grpc.status[code],
        duration_ms: Number(process.hrtime.bigint() - started) / 1e6,
        ...(error ? { err: error } : {}),
      };
      if (code === grpc.status.INTERNAL || code === grpc.status.UNAVAILABLE)
        log.error(line, method);
      else log.info(line, method);
      span.end();
    };
    // In the span's context: the handler's database spans and every line it logs belong to it.
    context.with(active, () =>
      handle(call.request, { requestId, log }).then(
        (reply) => {
          callback(null, reply);
          finish(grpc.status.OK);
        },
        (error: unknown) => {
          const { code, details } = toStatus(error);
          callback({ code, details });
          finish(code, code === grpc.status.INVALID_ARGUMENT ? undefined : error, details);
        },
      ),
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
