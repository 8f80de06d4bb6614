// The three services started in this process on one database, for tests that look at all of
// them at once (metrics, Prometheus). Each listens on 127.0.0.1 on a port of its own.
import { createLogger } from '@backend/common/logger';
import { loadDepartmentConfig } from '../services/department/src/config.ts';
import { startDepartmentService } from '../services/department/src/main.ts';
import { loadPointConfig } from '../services/point/src/config.ts';
import { startPointService } from '../services/point/src/main.ts';
import { loadUserConfig } from '../services/user/src/config.ts';
import { startUserService } from '../services/user/src/main.ts';

export type System = {
  /** Base URLs of the HTTP listeners (point's is its /livez, /readyz, /metrics port). */
  http: { department: string; user: string; point: string };
  /** point's gRPC target. */
  pointTarget: string;
  stop(): Promise<void>;
};

export async function startSystem(databaseUrl: string, userEnv: Record<string, string> = {}) {
  const logger = createLogger({ name: 'test', level: 'fatal' });
  const common = { HOST: '127.0.0.1', PORT: '0', DATABASE_URL: databaseUrl };
  const point = await startPointService(loadPointConfig({ ...common, HTTP_PORT: '0' }), logger);
  const pointTarget = `127.0.0.1:${point.port}`;
  const user = await startUserService(
    loadUserConfig({ ...common, POINT_SERVICE_ADDR: pointTarget, ...userEnv }),
    logger,
  );
  const department = await startDepartmentService(loadDepartmentConfig(common), logger);
  const base = (port: number) => `http://127.0.0.1:${port}`;
  return {
    http: { department: base(department.port), user: base(user.port), point: base(point.httpPort) },
    pointTarget,
    async stop() {
      await user.stop();
      await department.stop();
      await point.stop();
    },
  } satisfies System;
}
