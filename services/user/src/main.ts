// Composition root of the user service: database + point client → app → listener → signals.
import { openDatabase } from '@backend/common/database/database';
import { User } from '@backend/common/database/entities';
import { closeServer, listen, portOf } from '@backend/common/http/app';
import { type RunningService, runService } from '@backend/common/lifecycle';
import type { Logger } from '@backend/common/logger';
import { createMetrics } from '@backend/common/metrics';
import { createReadiness } from '@backend/common/readiness';
import { createUserApp } from './app.ts';
import { loadUserConfig, type UserConfig } from './config.ts';
import { createPointClient } from './point-client.ts';
import { createUserListing } from './user-listing.ts';
import { createUserRepository } from './user-repository.ts';

export async function startUserService(
  config: UserConfig,
  logger: Logger,
): Promise<RunningService & { port: number }> {
  const metrics = createMetrics('user');
  const database = await openDatabase(config, logger, {
    registry: metrics.registry,
    entities: [User], // the table it reads; see OpenOptions
  });
  const points = createPointClient({
    target: config.pointServiceAddr,
    poolSize: config.pointPoolSize,
    deadlineMs: config.pointDeadlineMs,
    resolveIntervalMs: config.pointResolveIntervalMs,
    registry: metrics.registry,
  });
  // Readiness follows our own database only: a point outage answers 503 per request instead of
  // taking every user pod out of the Service.
  const readiness = createReadiness({
    checks: [{ name: 'database', check: database.ping }],
    logger,
  });
  const app = createUserApp({
    logger,
    metrics,
    readiness,
    listing: createUserListing({
      users: createUserRepository(database),
      points,
      statisticsMaxAgeMs: config.statsMaxAgeMs,
      logger,
    }),
  });
  const server = await listen(app, config.port, config.host);
  logger.info(
    { port: portOf(server), point_target: config.pointServiceAddr },
    'listening for HTTP',
  );
  await readiness.start();
  return {
    port: portOf(server),
    readiness,
    async stop() {
      readiness.drain(); // no more background checks: they would reopen the database
      await closeServer(server);
      points.close();
      await database.close();
    },
  };
}

if (import.meta.main) {
  await runService({ name: 'user', loadConfig: loadUserConfig, start: startUserService });
}
