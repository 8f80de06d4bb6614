// The department service: its app on the HTTP listener.
import { Department } from '@backend/common/database/entities';
import { closeServer, listen, portOf } from '@backend/common/http/app';
import { runService, type ServiceDefinition, startService } from '@backend/common/lifecycle';
import type { Logger } from '@backend/common/logger';
import servicePackage from '../package.json' with { type: 'json' };
import { createDepartmentApp } from './app.ts';
import { type DepartmentConfig, loadDepartmentConfig } from './config.ts';
import { createDepartmentRepository } from './department-repository.ts';

export const departmentService: ServiceDefinition<DepartmentConfig, { port: number }> = {
  name: 'department',
  version: servicePackage.version,
  loadConfig: loadDepartmentConfig,
  entities: [Department],
  async start({ config, logger, metrics, database, readiness }) {
    const app = createDepartmentApp({
      logger,
      metrics,
      readiness,
      departments: createDepartmentRepository(database),
    });
    const server = await listen(app, config.port, config.host);
    logger.info({ port: portOf(server) }, 'listening for HTTP');
    return { ports: { port: portOf(server) }, close: () => closeServer(server) };
  },
};

export const startDepartmentService = (config: DepartmentConfig, logger: Logger) =>
  startService(departmentService, config, logger);

if (import.meta.main) await runService(departmentService);
