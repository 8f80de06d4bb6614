// The point service's gRPC handlers: validate, read, reply (docs/API.md, "Point service").
import type { GrpcCallMetrics } from '@backend/common/grpc/grpc-metrics';
import { invalidArgument, unaryHandler } from '@backend/common/grpc/unary';
import type { Logger } from '@backend/common/logger';
import { POINT_SERVICE_NAME, type PointServerHandlers } from '../../../proto/point.ts';
import type { PointRepository } from './point-repository.ts';

export const MAX_USER_IDS = 1_000;

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const INT32_MAX = 2 ** 31 - 1;
export const INT32_MIN = -(2 ** 31);

/** A total as the contract's int32 carries it: saturated beyond its range (docs/API.md). */
function toInt32(total: number, userId: string, log: Logger): number {
  if (total >= INT32_MIN && total <= INT32_MAX) return total;
  const saturated = total > INT32_MAX ? INT32_MAX : INT32_MIN;
  log.warn(
    { user_id: userId, total, answered: saturated },
    'points total outside int32: saturated',
  );
  return saturated;
}

export function createPointHandlers(deps: {
  logger: Logger;
  points: PointRepository;
  metrics?: GrpcCallMetrics;
}): PointServerHandlers {
  const { points } = deps;
  const unary = { logger: deps.logger, service: POINT_SERVICE_NAME, metrics: deps.metrics };
  return {
    GetUserPoints: unaryHandler(unary, 'GetUserPoints', async ({ user_id }, { log }) => {
      if (!uuid.test(user_id)) throw invalidArgument('user_id must be a UUID');
      const total = await points.pointsOf(user_id.toLowerCase());
      return { user_point: String(toInt32(total, user_id, log)) };
    }),
    GetUserListPoints: unaryHandler(unary, 'GetUserListPoints', async ({ user_ids }, { log }) => {
      if (user_ids.length > MAX_USER_IDS) {
        throw invalidArgument(`at most ${MAX_USER_IDS} user_ids per call, got ${user_ids.length}`);
      }
      const keys = user_ids.map((id, index) => {
        if (!uuid.test(id)) throw invalidArgument(`user_ids[${index}] must be a UUID`);
        return id.toLowerCase();
      });
      const totals = await points.pointsOfMany([...new Set(keys)]);
      // A Map, as proto/point-codec.ts writes the proto's map.
      const user_points = new Map<string, number>();
      keys.forEach((key, index) => {
        const total = totals.get(key);
        const id = user_ids[index] as string;
        if (total !== undefined) user_points.set(id, toInt32(total, id, log));
      });
      return { user_points };
    }),
  };
}
