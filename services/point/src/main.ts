// PointServer and gRPC health on the gRPC port; probes and metrics on HTTP.
import { Points } from '@backend/common/database/entities';
import { createGrpcMetrics } from '@backend/common/grpc/grpc-metrics';
import { serveGrpc } from '@backend/common/grpc/server';
import { closeServer, createHttpApp, listen, portOf } from '@backend/common/http/app';
import { runService, type ServiceDefinition, startService } from '@backend/common/lifecycle';
import type { Logger } from '@backend/common/logger';
import { POINT_SERVICE_NAME, pointMethods, pointServiceDefinition } from '../../../proto/point.ts';
import servicePackage from '../package.json' with { type: 'json' };
import { createPointHandlers } from './app.ts';
import { loadPointConfig, type PointConfig } from './config.ts';
import { createPointRepository } from './point-repository.ts';

export const pointService: ServiceDefinition<PointConfig, { port: number; httpPort: number }> = {
  package: servicePackage,
  loadConfig: loadPointConfig,
  entities: [Points],
  async start({ config, logger, metrics, database, readiness }) {
    const handlers = createPointHandlers({
      logger,
      points: createPointRepository(database),
      metrics: createGrpcMetrics(metrics.registry, 'server', pointMethods),
    });
    const grpcServer = await serveGrpc({
      host: config.host,
      port: config.port,
      healthServiceNames: [POINT_SERVICE_NAME],
      readiness,
      register: (server) => server.addService(pointServiceDefinition, handlers),
      maxConnectionAgeMs: config.grpcMaxConnectionAgeMs,
      maxConnectionAgeGraceMs: config.grpcMaxConnectionAgeGraceMs,
    });
    const http = await listen(
      createHttpApp({ logger, metrics, readiness }),
      config.httpPort,
      config.host,
    ).catch(async (error) => {
      await grpcServer.stop(0);
      throw error;
    });
    const ports = { port: grpcServer.port, httpPort: portOf(http) };
    logger.info({ port: ports.port, http_port: ports.httpPort }, 'listening for gRPC and HTTP');
    return {
      ports,
      async close() {
        await grpcServer.stop(config.shutdownTimeoutMs);
        await closeServer(http);
      },
    };
  },
};

export const startPointService = (config: PointConfig, logger: Logger) =>
  startService(pointService, config, logger);

if (import.meta.main) await runService(pointService);
