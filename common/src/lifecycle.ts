// A service process from start to exit: config, logger, start, readiness, signals, bounded shutdown.
import { setTimeout as sleep } from 'node:timers/promises';
import { type BaseConfig, ConfigError } from './config.ts';
import { type DebugServer, startDebugServer } from './debug/debug-server.ts';
import { releaseMemoryWhenIdle, releaseStartupHeap } from './idle-memory.ts';
import { createLogger, type Logger } from './logger.ts';
import type { Readiness } from './readiness.ts';

export type RunningService = {
  readiness: Readiness;
  /** Stop accepting, let in-flight work finish, then release clients and the database. */
  stop(): Promise<void>;
};

export type ServiceDefinition<Config extends BaseConfig> = {
  name: string;
  loadConfig: (env: NodeJS.ProcessEnv) => Config;
  start: (config: Config, logger: Logger) => Promise<RunningService>;
};

/** Exit status for an invalid configuration (sysexits.h EX_CONFIG). */
export const EXIT_CONFIG = 78;

export async function runService<Config extends BaseConfig>(
  definition: ServiceDefinition<Config>,
): Promise<void> {
  const { name } = definition;
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
  // Before any I/O: once process.nextTick has run, this collection would slow it (idle-memory.ts).
  await releaseStartupHeap(logger);
  // First, so that even a slow start can be profiled; it is the process's, not the service's.
  let debug: DebugServer | undefined;
  if (config.debugEnabled) {
    debug = await startDebugServer({ service: name, port: config.debugPort, logger }).catch(
      die('cannot start the debug listener'),
    );
  }
  const running = await definition.start(config, logger).catch(die('failed to start'));
  if (!running) return;
  logger.info({ startup_ms: Math.round(performance.now() - startedAt) }, `${name} started`);
  const idleMemory = releaseMemoryWhenIdle({ intervalMs: config.idleMemoryCheckMs, logger });

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
    idleMemory.stop();
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
