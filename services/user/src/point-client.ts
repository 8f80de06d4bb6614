// The user service's way to the point service: a small pool of channels, each balancing
// round-robin over every address the target resolves to, with deadlines and retries.

import { AppError, unavailable } from '@backend/common/errors';
import { createGrpcMetrics } from '@backend/common/grpc/grpc-metrics';
import { metadataSetter } from '@backend/common/grpc/trace-metadata';
import {
  context,
  propagation,
  recordFailure,
  SpanKind,
  trace,
  tracer,
} from '@backend/common/tracing';
import * as grpc from '@grpc/grpc-js';
import type { Registry } from 'prom-client';
import {
  POINT_SERVICE_NAME,
  type PointReply,
  PointServerClient,
  type PointServerClient as PointServerClientType,
  pointMethods,
  type UserListPoints,
} from '../../../proto/point.ts';
import { poolSubchannels, registerPoolMetrics } from './point-pool-metrics.ts';

export type PointClientOptions = {
  /** A grpc-js target: dns:///point-headless:50051, 127.0.0.1:50051, ipv4:a:p,b:p … */
  target: string;
  poolSize: number;
  deadlineMs: number;
  /** Shortest interval between DNS re-resolutions of the target. */
  resolveIntervalMs?: number;
  /** Where the pool's per-backend metrics and the grpc_client_* metrics go. */
  registry?: Registry;
};

export type PointClient = {
  /** Points of each user that has any; users without points are absent. */
  getUserListPoints(userIds: string[], requestId?: string): Promise<Map<string, number>>;
  getUserPoints(userId: string, requestId?: string): Promise<number>;
  /** The pool's connections: one per channel and backend address, with its state. */
  connections(): Promise<{ backend: string; state: string }[]>;
  close(): void;
};

/** Reads are idempotent: retry UNAVAILABLE on another backend, within a token budget. */
export const pointServiceConfig = {
  loadBalancingConfig: [{ round_robin: {} }],
  methodConfig: [
    {
      name: [{ service: POINT_SERVICE_NAME }],
      retryPolicy: {
        maxAttempts: 3,
        initialBackoff: '0.02s',
        maxBackoff: '0.2s',
        backoffMultiplier: 2,
        retryableStatusCodes: ['UNAVAILABLE'],
      },
    },
  ],
  retryThrottling: { maxTokens: 100, tokenRatio: 0.1 },
};

export function createPointClient(options: PointClientOptions): PointClient {
  const { target, poolSize, deadlineMs, resolveIntervalMs = 5_000, registry } = options;
  const channelOptions: grpc.ChannelOptions = {
    'grpc.service_config': JSON.stringify(pointServiceConfig),
    // The policy above is ours; don't look for one in DNS TXT records.
    'grpc.service_config_disable_resolution': 1,
    // How often grpc-js may re-resolve; its default is slow to find new pods.
    'grpc.dns_min_time_between_resolutions_ms': resolveIntervalMs,
    'grpc.enable_retries': 1,
    // Without this, identical channels share one subchannel per backend process-wide.
    'grpc.use_local_subchannel_pool': 1,
    'grpc.keepalive_time_ms': 10_000,
    'grpc.keepalive_timeout_ms': 5_000,
    'grpc.keepalive_permit_without_calls': 1,
    'grpc.initial_reconnect_backoff_ms': 200,
    'grpc.max_reconnect_backoff_ms': 2_000,
  };
  const clients: PointServerClientType[] = Array.from(
    { length: Math.max(1, poolSize) },
    () => new PointServerClient(target, grpc.credentials.createInsecure(), channelOptions),
  );
  if (registry) registerPoolMetrics(registry, clients);
  const metrics = registry && createGrpcMetrics(registry, 'client', pointMethods);
  let next = 0;
  const pick = () => clients[next++ % clients.length] as PointServerClientType;

  // One logical call, retries included, is one started and handled call and one CLIENT span.
  const unary = <Res>(
    method: string,
    start: (
      client: PointServerClientType,
      metadata: grpc.Metadata,
      options: Partial<grpc.CallOptions>,
      done: grpc.requestCallback<Res>,
    ) => grpc.ClientUnaryCall,
    requestId: string | undefined,
  ) =>
    new Promise<Res>((resolve, reject) => {
      const metadata = new grpc.Metadata();
      if (requestId) metadata.set('x-request-id', requestId);
      const span = tracer.startSpan(`${POINT_SERVICE_NAME}/${method}`, { kind: SpanKind.CLIENT });
      const recording = span.isRecording();
      if (recording) {
        span.setAttributes({
          'rpc.system': 'grpc',
          'rpc.service': POINT_SERVICE_NAME,
          'rpc.method': method,
          'server.address': target,
        });
      }
      // Unsampled too: point then keeps the caller's decision.
      propagation.inject(trace.setSpan(context.active(), span), metadata, metadataSetter);
      const handled = metrics?.start({ service: POINT_SERVICE_NAME, method });
      let previousAttempts = 0;
      const noteAttempts = (received: grpc.Metadata) => {
        previousAttempts = Number(received.get('grpc-previous-rpc-attempts')[0] ?? 0);
      };
      const call = start(
        pick(),
        metadata,
        { deadline: Date.now() + deadlineMs },
        (error, reply) => {
          const code = error ? error.code : grpc.status.OK;
          handled?.(code);
          if (error) noteAttempts(error.metadata);
          span.setAttribute('rpc.grpc.status_code', code);
          if (previousAttempts > 0) {
            span.setAttribute('rpc.grpc.previous_attempts', previousAttempts);
            span.addEvent('retried', { 'rpc.grpc.previous_attempts': previousAttempts });
          }
          if (error || !reply) {
            const failure = toAppError(error);
            recordFailure(span, error ?? failure, grpc.status[code], failure.message);
            span.end();
            reject(failure);
          } else {
            span.end();
            resolve(reply);
          }
        },
      );
      if (recording) call.on('metadata', noteAttempts);
    });

  return {
    async getUserListPoints(userIds, requestId) {
      const reply = await unary<UserListPoints>(
        'GetUserListPoints',
        (client, ...rest) => client.GetUserListPoints({ user_ids: userIds }, ...rest),
        requestId,
      );
      return reply.user_points;
    },
    async getUserPoints(userId, requestId) {
      const reply = await unary<PointReply>(
        'GetUserPoints',
        (client, ...rest) => client.GetUserPoints({ user_id: userId }, ...rest),
        requestId,
      );
      return Number(reply.user_point);
    },
    async connections() {
      const subchannels = await poolSubchannels(clients);
      return subchannels.map(({ data }) => ({ backend: data.target, state: data.state.state }));
    },
    close() {
      for (const client of clients) client.close();
    },
  };
}

const transient = new Set([
  grpc.status.UNAVAILABLE,
  grpc.status.DEADLINE_EXCEEDED,
  grpc.status.RESOURCE_EXHAUSTED,
  grpc.status.CANCELLED,
]);

function toAppError(error: grpc.ServiceError | null): AppError {
  if (!error) return new AppError(502, 'bad_gateway', 'the point service sent an empty reply');
  if (transient.has(error.code)) return unavailable('the point service is unavailable', error);
  return new AppError(502, 'bad_gateway', 'the point service failed', { cause: error });
}
