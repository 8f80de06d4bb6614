// Composition root of the point service: database → gRPC server (+ health) → HTTP ops listener.
import { openDatabase } from '@backend/common/database/database';
import { Points } from '@backend/common/database/entities';
import { createGrpcMetrics } from '@backend/common/grpc/grpc-metrics';
import { serveGrpc } from '@backend/common/grpc/server';
import { closeServer, createHttpApp, listen, portOf } from '@backend/common/http/app';
import { type RunningService, runService } from '@backend/common/lifecycle';
import type { Logger } from '@backend/common/logger';
import { createMetrics } from '@backend/common/metrics';
import { createReadiness } from '@backend/common/readiness';
import { POINT_SERVICE_NAME, pointMethods, pointServiceDefinition } from '../../../proto/point.ts';
import { createPointHandlers } from './app.ts';
import { loadPointConfig, type PointConfig } from './config.ts';
import { createPointRepository } from './point-repository.ts';

export async function startPointService(
  config: PointConfig,
  logger: Logger,
): Promise<RunningService & { port: number; httpPort: number }> {
  const metrics = createMetrics('point');
  const database = await openDatabase(config, logger, {
    registry: metrics.registry,
    entities: [Points], // the table it reads; see OpenOptions
  });
  const readiness = createReadiness({
    checks: [{ name: 'database', check: database.ping }],
    logger,
  });
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
  );
  logger.info({ port: grpcServer.port, http_port: portOf(http) }, 'listening for gRPC and HTTP');
  await readiness.start();
  return {
    port: grpcServer.port,
    httpPort: portOf(http),
    readiness,
    async stop() {
      readiness.drain(); // no more background checks: they would reopen the database
      await grpcServer.stop(config.shutdownTimeoutMs);
      await closeServer(http);
      await database.close();
    },
  };
}

if (import.meta.main) {
  await runService({ name: 'point', loadConfig: loadPointConfig, start: startPointService });
}
