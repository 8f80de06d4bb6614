// The department service: its app on the HTTP listener.
import { Department } from '@backend/common/database/entities';
import { serveHttp } from '@backend/common/http/app';
import { runService, type ServiceDefinition, startService } from '@backend/common/lifecycle';
import type { Logger } from '@backend/common/logger';
import servicePackage from '../package.json' with { type: 'json' };
import { createDepartmentApp } from './app.ts';
import { type DepartmentConfig, loadDepartmentConfig } from './config.ts';
import { createDepartmentRepository } from './department-repository.ts';

export const departmentService: ServiceDefinition<DepartmentConfig, { port: number }> = {
  package: servicePackage,
  loadConfig: loadDepartmentConfig,
  entities: [Department],
  start: ({ config, logger, metrics, database, readiness }) => {
    const departments = createDepartmentRepository(database);
    return serveHttp(
      createDepartmentApp({ logger, metrics, readiness, departments }),
      config,
      logger,
    );
  },
};

export const startDepartmentService = (config: DepartmentConfig, logger: Logger) =>
  startService(departmentService, config, logger);

if (import.meta.main) await runService(departmentService);
