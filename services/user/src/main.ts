// The user service: its app on the HTTP listener, with a pool of channels to the point service.
import { User } from '@backend/common/database/entities';
import { serveHttp } from '@backend/common/http/app';
import { runService, type ServiceDefinition, startService } from '@backend/common/lifecycle';
import type { Logger } from '@backend/common/logger';
import servicePackage from '../package.json' with { type: 'json' };
import { createUserApp } from './app.ts';
import { loadUserConfig, type UserConfig } from './config.ts';
import { createPointClient } from './point-client.ts';
import { createUserListing } from './user-listing.ts';
import { createUserRepository } from './user-repository.ts';

export const userService: ServiceDefinition<UserConfig, { port: number }> = {
  package: servicePackage,
  loadConfig: loadUserConfig,
  entities: [User],
  async start({ config, logger, metrics, database, readiness }) {
    const points = createPointClient({
      target: config.pointServiceAddr,
      poolSize: config.pointPoolSize,
      deadlineMs: config.pointDeadlineMs,
      resolveIntervalMs: config.pointResolveIntervalMs,
      registry: metrics.registry,
    });
    const listing = createUserListing({
      users: createUserRepository(database),
      points,
      statisticsMaxAgeMs: config.statsMaxAgeMs,
      logger,
    });
    const app = createUserApp({ logger, metrics, readiness, listing });
    const http = await serveHttp(app, config, logger, {
      point_target: config.pointServiceAddr,
    }).catch((error) => {
      points.close();
      throw error;
    });
    return {
      ports: http.ports,
      async close() {
        await http.close();
        points.close();
      },
    };
  },
};

export const startUserService = (config: UserConfig, logger: Logger) =>
  startService(userService, config, logger);

if (import.meta.main) await runService(userService);
