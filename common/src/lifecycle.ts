// startService(): what every service shares; runService(): the process around it, bounded shutdown.
import { setTimeout as sleep } from 'node:timers/promises';
import { type BaseConfig, ConfigError } from './config.ts';
import { type Database, type OpenOptions, openDatabase } from './database/database.ts';
import { type DebugServer, startDebugServer } from './debug/debug-server.ts';
import { createLogger, type Logger } from './logger.ts';
import { createMetrics, type Metrics } from './metrics.ts';
import { createReadiness, type Readiness } from './readiness.ts';
import { releaseStartupHeap } from './startup-heap.ts';
import { startTracing } from './tracing.ts';

/** What startService hands a service's own start. */
export type ServiceParts<Config> = {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  database: Database;
  readiness: Readiness;
};

/** What a service's own start opened: its ports, and how to close it (listeners, clients). */
export type Started<Ports> = { ports: Ports; close(): Promise<void> };

export type ServiceDefinition<Config extends BaseConfig, Ports> = {
  /** The service's package.json: `@backend/user` names the service `user`; the version goes on spans. */
  package: { name: string; version: string };
  loadConfig: (env: NodeJS.ProcessEnv) => Config;
  /** The tables it reads; see OpenOptions. */
  entities: NonNullable<OpenOptions['entities']>;
  start: (parts: ServiceParts<Config>) => Promise<Started<Ports>>;
};

export type RunningService = {
  readiness: Readiness;
  /** Stop accepting, let in-flight work finish, then release clients. */
  stop(): Promise<void>;
};

const serviceName = (servicePackage: { name: string }) =>
  servicePackage.name.replace(/^@[^/]+\//, '');

/** Exit status for an invalid configuration (sysexits.h EX_CONFIG). */
export const EXIT_CONFIG = 78;

export async function startService<Config extends BaseConfig, Ports>(
  definition: ServiceDefinition<Config, Ports>,
  config: Config,
  logger: Logger,
): Promise<RunningService & Ports> {
  const name = serviceName(definition.package);
  const metrics = createMetrics(name);
  // Before anything that makes spans; a bad OTEL_* value is a ConfigError, like any setting.
  const tracing = await startTracing({
    service: name,
    version: definition.package.version,
    registry: metrics.registry,
    logger,
    traceProbes: config.traceProbes,
  });
  const database = await openDatabase(config, logger, {
    registry: metrics.registry,
    entities: definition.entities,
  });
  // Readiness follows the own database only: a callee's outage answers 503 per request.
  const readiness = createReadiness({
    checks: [{ name: 'database', check: database.ping }],
    logger,
  });
  const started = await definition
    .start({ config, logger, metrics, database, readiness })
    .catch(async (error) => {
      await database.close();
      throw error;
    });
  await readiness.start();
  return {
    ...started.ports,
    readiness,
    async stop() {
      const stopBy = performance.now() + config.shutdownTimeoutMs;
      readiness.drain(); // no more background checks: they would reopen the database
      await started.close();
      await database.close();
      // Last, so the spans of the requests just finished go too, within the shutdown bound.
      await tracing.shutdown(Math.max(0, (stopBy - performance.now()) * 0.9));
    },
  };
}

export async function runService<Config extends BaseConfig, Ports>(
  definition: ServiceDefinition<Config, Ports>,
): Promise<void> {
  const name = serviceName(definition.package);
  let config: Config;
  try {
    config = definition.loadConfig(process.env);
  } catch (error) {
    const bootLogger = createLogger({ name, level: 'info' });
    bootLogger.fatal(error instanceof ConfigError ? error.message : { err: error }, 'cannot start');
    process.exit(error instanceof ConfigError ? EXIT_CONFIG : 1);
  }

  const logger = createLogger({ name, level: config.logLevel });
  const die = (what: string) => (error: unknown) => {
    logger.fatal({ err: error }, `${what}; exiting so the process can be restarted`);
    process.exit(1);
  };
  process.on('uncaughtException', die('uncaught exception'));
  process.on('unhandledRejection', die('unhandled promise rejection'));

  const startedAt = performance.now();
  await releaseStartupHeap(logger); // before any I/O: startup-heap.ts says why
  // First, so that even a slow start can be profiled.
  let debug: DebugServer | undefined;
  if (config.debugEnabled) {
    debug = await startDebugServer({ service: name, port: config.debugPort, logger }).catch(
      die('cannot start the debug listener'),
    );
  }
  const running = await startService(definition, config, logger).catch((error) => {
    if (!(error instanceof ConfigError)) return die('failed to start')(error);
    logger.fatal(error.message, 'cannot start');
    process.exit(EXIT_CONFIG);
  });
  if (!running) return;
  logger.info({ startup_ms: Math.round(performance.now() - startedAt) }, `${name} started`);

  let stopping = false;
  const shutdown = async (signal: NodeJS.Signals) => {
    if (stopping) {
      if (signal === 'SIGINT') die('second interrupt')(new Error('interrupted twice'));
      return;
    }
    stopping = true;
    const { shutdownDrainDelayMs: drainMs, shutdownTimeoutMs: boundMs } = config;
    logger.info({ signal, drain_ms: drainMs, bound_ms: boundMs }, 'shutting down: draining');
    running.readiness.drain();
    setTimeout(() => {
      logger.error({ bound_ms: boundMs }, 'shutdown took too long; forcing exit');
      process.exit(1);
    }, drainMs + boundMs).unref();
    await sleep(drainMs);
    logger.info('stopping: no new connections, finishing in-flight requests');
    await debug?.close();
    await running.stop();
    logger.info('stopped cleanly');
    process.exit(0);
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}
