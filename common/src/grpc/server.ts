// Serves gRPC services with the standard health service, and stops gracefully within a bound.
import * as grpc from '@grpc/grpc-js';
import { HealthImplementation } from 'grpc-health-check';
import type { Readiness } from '../readiness.ts';

export type GrpcServerOptions = {
  host?: string;
  port: number;
  /** Names reported by grpc.health.v1.Health besides the overall "" status. */
  healthServiceNames: string[];
  readiness: Readiness;
  register: (server: grpc.Server) => void;
  /** Connections are closed after this age so clients re-resolve DNS and find new pods. */
  maxConnectionAgeMs: number;
  maxConnectionAgeGraceMs: number;
};

export type GrpcServing = {
  server: grpc.Server;
  port: number;
  stop(graceMs: number): Promise<void>;
};

export async function serveGrpc(options: GrpcServerOptions): Promise<GrpcServing> {
  const { host = '0.0.0.0', port, healthServiceNames, readiness, register } = options;
  const server = new grpc.Server({
    'grpc.max_connection_age_ms': options.maxConnectionAgeMs,
    'grpc.max_connection_age_grace_ms': options.maxConnectionAgeGraceMs,
    'grpc.keepalive_permit_without_calls': 1,
    'grpc.http2.min_ping_interval_without_data_ms': 5_000,
    'grpc.max_receive_message_length': 1_048_576,
  });
  register(server);

  const names = ['', ...healthServiceNames];
  const health = new HealthImplementation(Object.fromEntries(names.map((n) => [n, 'NOT_SERVING'])));
  const reportHealth = (ready: boolean) => {
    for (const name of names) health.setStatus(name, ready ? 'SERVING' : 'NOT_SERVING');
  };
  reportHealth(readiness.status().ready);
  readiness.onChange(({ ready }) => reportHealth(ready));
  health.addToServer(server);

  const bound = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${host}:${port}`, grpc.ServerCredentials.createInsecure(), (error, actual) =>
      error ? reject(error) : resolve(actual),
    );
  });

  return {
    server,
    port: bound,
    stop: (graceMs) =>
      new Promise<void>((resolve) => {
        const force = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, graceMs);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      }),
  };
}
