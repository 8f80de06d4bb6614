import { type BaseConfig, baseSchema, loadConfig } from '@backend/common/config';

export const pointSchema = {
  ...baseSchema,
  port: { ...baseSchema.port, doc: 'Port of the gRPC listener.', default: 50051 },
  httpPort: {
    doc: 'Port of the HTTP listener for /livez, /readyz and /metrics.',
    format: 'tcp-port',
    default: 8083,
    env: 'HTTP_PORT',
  },
  grpcMaxConnectionAgeMs: {
    doc: 'Connections older than this are closed gracefully, so clients re-resolve DNS and reach new pods.',
    format: 'milliseconds',
    default: 30_000,
    env: 'GRPC_MAX_CONNECTION_AGE_MS',
  },
  grpcMaxConnectionAgeGraceMs: {
    doc: 'Time calls in flight on an aged connection get to finish before it is closed.',
    format: 'milliseconds',
    default: 5_000,
    env: 'GRPC_MAX_CONNECTION_AGE_GRACE_MS',
  },
};

export type PointConfig = BaseConfig & {
  httpPort: number;
  grpcMaxConnectionAgeMs: number;
  grpcMaxConnectionAgeGraceMs: number;
};

export const loadPointConfig = (env: NodeJS.ProcessEnv) =>
  loadConfig<PointConfig>(pointSchema, env);
