// The point service's gRPC handlers: validate, read, reply (docs/API.md, "Point service").
import type { GrpcCallMetrics } from '@backend/common/grpc/grpc-metrics';
import { invalidArgument, unaryHandler } from '@backend/common/grpc/unary';
import type { Logger } from '@backend/common/logger';
import { POINT_SERVICE_NAME, type PointServerHandlers } from '../../../proto/point.ts';
import type { PointRepository } from './point-repository.ts';

export const MAX_USER_IDS = 1_000;

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function createPointHandlers(deps: {
  logger: Logger;
  points: PointRepository;
  metrics?: GrpcCallMetrics;
}): PointServerHandlers {
  const { points } = deps;
  const unary = { logger: deps.logger, service: POINT_SERVICE_NAME, metrics: deps.metrics };
  return {
    GetUserPoints: unaryHandler(unary, 'GetUserPoints', async ({ user_id }) => {
      if (!uuid.test(user_id)) throw invalidArgument('user_id must be a UUID');
      return { user_point: String(await points.pointsOf(user_id.toLowerCase())) };
    }),
    GetUserListPoints: unaryHandler(unary, 'GetUserListPoints', async ({ user_ids }) => {
      if (user_ids.length > MAX_USER_IDS) {
        throw invalidArgument(`at most ${MAX_USER_IDS} user_ids per call, got ${user_ids.length}`);
      }
      const keys = user_ids.map((id, index) => {
        if (!uuid.test(id)) throw invalidArgument(`user_ids[${index}] must be a UUID`);
        return id.toLowerCase();
      });
      const totals = await points.pointsOfMany([...new Set(keys)]);
      const user_points: Record<string, number> = {};
      keys.forEach((key, index) => {
        const total = totals.get(key);
        if (total !== undefined) user_points[user_ids[index] as string] = total;
      });
      return { user_points };
    }),
  };
}
