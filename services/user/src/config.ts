import { type BaseConfig, baseSchema, loadConfig } from '@backend/common/config';

export const userSchema = {
  ...baseSchema,
  port: { ...baseSchema.port, default: 8082 },
  pointServiceAddr: {
    doc: 'gRPC target of the point service, e.g. dns:///point-headless.<ns>.svc.cluster.local:50051.',
    format: 'grpc-target',
    default: '127.0.0.1:50051',
    env: 'POINT_SERVICE_ADDR',
  },
  pointPoolSize: {
    doc: 'gRPC channels to the point service; each keeps its own connection to every point pod.',
    format: 'pool-size',
    default: 2,
    env: 'POINT_POOL_SIZE',
  },
  pointResolveIntervalMs: {
    doc: 'Shortest interval between DNS re-resolutions of POINT_SERVICE_ADDR (on connection loss or max age).',
    format: 'milliseconds',
    default: 5_000,
    env: 'POINT_RESOLVE_INTERVAL_MS',
  },
  pointDeadlineMs: {
    doc: 'Deadline of each call to the point service, retries included.',
    format: 'milliseconds',
    default: 2_000,
    env: 'POINT_DEADLINE_MS',
  },
  statsMaxAgeMs: {
    doc: 'Longest the users statistics may be cached; 0 computes them for every request.',
    format: 'milliseconds',
    default: 1_000,
    env: 'STATS_MAX_AGE_MS',
  },
};

export type UserConfig = BaseConfig & {
  pointServiceAddr: string;
  pointPoolSize: number;
  pointDeadlineMs: number;
  pointResolveIntervalMs: number;
  statsMaxAgeMs: number;
};

export const loadUserConfig = (env: NodeJS.ProcessEnv) => loadConfig<UserConfig>(userSchema, env);
