// Composition root of the department service: config → database → app → listener → signals.
import { openDatabase } from '@backend/common/database/database';
import { Department } from '@backend/common/database/entities';
import { closeServer, listen, portOf } from '@backend/common/http/app';
import { type RunningService, runService } from '@backend/common/lifecycle';
import type { Logger } from '@backend/common/logger';
import { createMetrics } from '@backend/common/metrics';
import { createReadiness } from '@backend/common/readiness';
import { createDepartmentApp } from './app.ts';
import { type DepartmentConfig, loadDepartmentConfig } from './config.ts';
import { createDepartmentRepository } from './department-repository.ts';

export async function startDepartmentService(
  config: DepartmentConfig,
  logger: Logger,
): Promise<RunningService & { port: number }> {
  const metrics = createMetrics('department');
  const database = await openDatabase(config, logger, {
    registry: metrics.registry,
    entities: [Department], // the table it reads; see OpenOptions
  });
  const readiness = createReadiness({
    checks: [{ name: 'database', check: database.ping }],
    logger,
  });
  const app = createDepartmentApp({
    logger,
    metrics,
    readiness,
    departments: createDepartmentRepository(database),
  });
  const server = await listen(app, config.port, config.host);
  logger.info({ port: portOf(server) }, 'listening for HTTP');
  await readiness.start();
  return {
    port: portOf(server),
    readiness,
    async stop() {
      readiness.drain(); // no more background checks: they would reopen the database
      await closeServer(server);
      await database.close();
    },
  };
}

if (import.meta.main) {
  await runService({
    name: 'department',
    loadConfig: loadDepartmentConfig,
    start: startDepartmentService,
  });
}
