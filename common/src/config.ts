// Configuration from the environment, validated strictly at start-up (one convict schema per service).
import { isIP } from 'node:net';
import convict from 'convict';

const digitsOnly = /^\d{1,15}$/;

function strictInteger(value: unknown): unknown {
  return typeof value === 'string' && digitsOnly.test(value) ? Number(value) : value;
}

function assertIntegerIn(value: unknown, min: number, max: number): void {
  if (!Number.isSafeInteger(value) || (value as number) < min || (value as number) > max) {
    throw new Error(`must be an integer between ${min} and ${max}`);
  }
}

convict.addFormats({
  'tcp-port': {
    validate: (value: unknown) => assertIntegerIn(value, 0, 65_535),
    coerce: strictInteger,
  },
  milliseconds: {
    validate: (value: unknown) => assertIntegerIn(value, 0, 3_600_000),
    coerce: strictInteger,
  },
  'pool-size': {
    validate: (value: unknown) => assertIntegerIn(value, 0, 1_000),
    coerce: strictInteger,
  },
  flag: {
    validate: (value: unknown) => {
      if (typeof value !== 'boolean') throw new Error('must be true or false');
    },
    coerce: (value: unknown) => {
      const text = String(value).toLowerCase();
      if (['true', '1', 'yes'].includes(text)) return true;
      if (['false', '0', 'no'].includes(text)) return false;
      return value;
    },
  },
  'log-level': {
    validate: (value: unknown) => {
      if (!LOG_LEVELS.includes(value as LogLevel)) {
        throw new Error(`must be one of ${LOG_LEVELS.join(', ')}`);
      }
    },
  },
  'database-url': {
    validate: (value: unknown) => {
      if (typeof value !== 'string' || !/^(postgres|postgresql|mysql|sqlite):/.test(value)) {
        throw new Error('must start with postgres://, postgresql://, mysql:// or sqlite:');
      }
    },
  },
  'bind-address': {
    validate: (value: unknown) => {
      if (typeof value !== 'string' || isIP(value) === 0) {
        throw new Error('must be an IP address such as 0.0.0.0, :: or 127.0.0.1');
      }
    },
  },
  'grpc-target': {
    validate: (value: unknown) => {
      if (typeof value !== 'string' || !/^[^\s]{1,255}$/.test(value)) {
        throw new Error(
          'must be a gRPC target such as dns:///point-headless:50051 or 127.0.0.1:50051',
        );
      }
    },
  },
});

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The settings every service shares. */
export const baseSchema = {
  host: {
    doc: 'Address the listeners bind to: 0.0.0.0 for every IPv4 interface, :: for IPv6 and IPv4.',
    format: 'bind-address',
    default: '0.0.0.0',
    env: 'HOST',
  },
  port: {
    doc: 'Port of the main listener (REST, or gRPC for point).',
    format: 'tcp-port',
    default: 0,
    env: 'PORT',
  },
  databaseUrl: {
    doc: 'Database URL: postgres://, postgresql://, mysql:// or sqlite:<file> (the embedded default).',
    format: 'database-url',
    default: 'sqlite:.data/local.sqlite',
    env: 'DATABASE_URL',
    sensitive: true,
  },
  databasePoolMin: {
    doc: 'Connections the database pool keeps open when idle.',
    format: 'pool-size',
    default: 0,
    env: 'DATABASE_POOL_MIN',
  },
  databasePoolMax: {
    doc: 'Most connections the database pool opens.',
    format: 'pool-size',
    default: 10,
    env: 'DATABASE_POOL_MAX',
  },
  databaseConnectTimeoutMs: {
    doc: 'How long to wait for a database connection before failing the request with 503.',
    format: 'milliseconds',
    default: 2_000,
    env: 'DATABASE_CONNECT_TIMEOUT_MS',
  },
  databaseQueryTimeoutMs: {
    doc: 'How long one request may wait on the database before it fails with 503.',
    format: 'milliseconds',
    default: 5_000,
    env: 'DATABASE_QUERY_TIMEOUT_MS',
  },
  logLevel: {
    doc: 'Lowest log level written: trace, debug, info, warn, error or fatal.',
    format: 'log-level',
    default: 'info',
    env: 'LOG_LEVEL',
  },
  shutdownDrainDelayMs: {
    doc: 'After SIGTERM, how long to keep serving while reporting not-ready, so load balancers stop sending traffic first.',
    format: 'milliseconds',
    default: 5_000,
    env: 'SHUTDOWN_DRAIN_DELAY_MS',
  },
  shutdownTimeoutMs: {
    doc: 'Upper bound on the whole shutdown after the drain delay; past it the process exits non-zero.',
    format: 'milliseconds',
    default: 20_000,
    env: 'SHUTDOWN_TIMEOUT_MS',
  },
  debugEnabled: {
    doc: 'Start the debug listener (heap snapshot, pprof heap and CPU profiles) on 127.0.0.1:DEBUG_PORT, reachable only through kubectl port-forward.',
    format: 'flag',
    default: false,
    env: 'DEBUG_ENABLED',
  },
  debugPort: {
    doc: 'Port of the debug listener; it always binds to 127.0.0.1, whatever HOST says.',
    format: 'tcp-port',
    default: 6060,
    env: 'DEBUG_PORT',
  },
  traceProbes: {
    doc: 'When tracing is on (OTEL_* variables, docs/OPERATIONS.md), also trace /livez, /readyz, /metrics and the readiness database pings.',
    format: 'flag',
    default: false,
    env: 'TRACE_PROBES',
  },
};

export type BaseConfig = {
  host: string;
  port: number;
  databaseUrl: string;
  databasePoolMin: number;
  databasePoolMax: number;
  databaseConnectTimeoutMs: number;
  databaseQueryTimeoutMs: number;
  logLevel: LogLevel;
  shutdownDrainDelayMs: number;
  shutdownTimeoutMs: number;
  debugEnabled: boolean;
  debugPort: number;
  traceProbes: boolean;
};

type SchemaEntry = { doc: string; format: string; default: unknown; env: string };
export type ConfigSchema = Record<string, SchemaEntry & { sensitive?: boolean }>;

/** Its message names every offending environment variable. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function loadConfig<T extends BaseConfig>(
  schema: ConfigSchema,
  env: NodeJS.ProcessEnv = process.env,
): T {
  const config = convict(schema as convict.Schema<T>, { env, args: [] });
  try {
    config.validate({ allowed: 'strict' });
  } catch (error) {
    throw new ConfigError(describeInvalid(schema, (error as Error).message, env));
  }
  const values = config.getProperties() as T;
  if (values.databasePoolMin > values.databasePoolMax) {
    throw new ConfigError(
      'Invalid configuration:\n  DATABASE_POOL_MIN: must not exceed DATABASE_POOL_MAX',
    );
  }
  return values;
}

function describeInvalid(schema: ConfigSchema, convictMessage: string, env: NodeJS.ProcessEnv) {
  const lines = convictMessage.split('\n').map((line) => {
    const match = /^(\w+): (.*?)(?:: value was .*)?$/.exec(line);
    const entry = match?.[1] ? schema[match[1]] : undefined;
    if (!match || !entry) return `  ${line}`;
    const shown = schema[match[1] as string]?.sensitive
      ? ''
      : ` (got ${JSON.stringify(env[entry.env])})`;
    return `  ${entry.env}: ${match[2]}${shown}`;
  });
  return `Invalid configuration:\n${lines.join('\n')}`;
}

/** Rows for documentation: variable, default and meaning of every key of a schema. */
export function describeSchema(schema: ConfigSchema) {
  return Object.values(schema).map(({ env, doc, default: value }) => ({
    env,
    default: value,
    doc,
  }));
}
