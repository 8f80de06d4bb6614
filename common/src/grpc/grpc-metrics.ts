// gRPC metrics under go-grpc-prometheus' names and labels, which dashboards and alerts expect.
import { status } from '@grpc/grpc-js';
import { Counter, Histogram, type Registry } from 'prom-client';
import { latencyBuckets } from '../metrics.ts';

/** One unary method: `service` is the fully qualified name (point.PointServer). */
export type GrpcMethod = { service: string; method: string };

export type GrpcCallMetrics = {
  /** Counts the call as started; the returned function records its end with its status code. */
  start(call: GrpcMethod): (code: status) => void;
};

// grpc-go's names for the codes (codes.Code.String()), the label values go-grpc-prometheus uses.
const goCodeNames: Record<status, string> = {
  [status.OK]: 'OK',
  [status.CANCELLED]: 'Canceled',
  [status.UNKNOWN]: 'Unknown',
  [status.INVALID_ARGUMENT]: 'InvalidArgument',
  [status.DEADLINE_EXCEEDED]: 'DeadlineExceeded',
  [status.NOT_FOUND]: 'NotFound',
  [status.ALREADY_EXISTS]: 'AlreadyExists',
  [status.PERMISSION_DENIED]: 'PermissionDenied',
  [status.RESOURCE_EXHAUSTED]: 'ResourceExhausted',
  [status.FAILED_PRECONDITION]: 'FailedPrecondition',
  [status.ABORTED]: 'Aborted',
  [status.OUT_OF_RANGE]: 'OutOfRange',
  [status.UNIMPLEMENTED]: 'Unimplemented',
  [status.INTERNAL]: 'Internal',
  [status.UNAVAILABLE]: 'Unavailable',
  [status.DATA_LOSS]: 'DataLoss',
  [status.UNAUTHENTICATED]: 'Unauthenticated',
};

export const grpcCodeName = (code: status): string => goCodeNames[code] ?? 'Unknown';

/**
 * The server or client metrics of `methods` in `registry`, every series present from the start
 * (as go-grpc-prometheus' InitializeMetrics does), so rates are defined before the first call.
 */
export function createGrpcMetrics(
  registry: Registry,
  side: 'server' | 'client',
  methods: GrpcMethod[],
): GrpcCallMetrics {
  const labelNames = ['grpc_type', 'grpc_service', 'grpc_method'] as const;
  const registers = [registry];
  const what = side === 'server' ? 'RPCs started on the server' : 'RPCs started by the client';
  const started = new Counter({
    name: `grpc_${side}_started_total`,
    help: `Total number of ${what}.`,
    labelNames,
    registers,
  });
  const handled = new Counter({
    name: `grpc_${side}_handled_total`,
    help:
      side === 'server'
        ? 'Total number of RPCs completed on the server, regardless of success or failure.'
        : 'Total number of RPCs completed by the client, regardless of success or failure.',
    labelNames: [...labelNames, 'grpc_code'] as const,
    registers,
  });
  const seconds = new Histogram({
    name: `grpc_${side}_handling_seconds`,
    help:
      side === 'server'
        ? 'Histogram of response latency (seconds) of gRPC that had been application-level handled by the server.'
        : 'Histogram of response latency (seconds) of the gRPC until it is finished by the application.',
    labelNames,
    buckets: latencyBuckets,
    registers,
  });
  for (const { service, method } of methods) {
    const labels = { grpc_type: 'unary', grpc_service: service, grpc_method: method };
    started.inc(labels, 0);
    seconds.zero(labels);
    for (const grpc_code of Object.values(goCodeNames)) handled.inc({ ...labels, grpc_code }, 0);
  }
  return {
    start({ service, method }) {
      const done = seconds.startTimer({
        grpc_type: 'unary',
        grpc_service: service,
        grpc_method: method,
      });
      started.inc({ grpc_type: 'unary', grpc_service: service, grpc_method: method });
      return (code) => {
        handled.inc({
          grpc_type: 'unary',
          grpc_service: service,
          grpc_method: method,
          grpc_code: grpcCodeName(code),
        });
        done();
      };
    },
  };
}
