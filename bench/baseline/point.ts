// Baseline point service: grpc-js and the raw driver, nothing else. GetUserListPoints only.

import * as grpc from '@grpc/grpc-js';
import { protobufjsPoint } from '../../proto/point.ts';
import { openRawDatabase } from './sql.ts';

const database = openRawDatabase(process.env.DATABASE_URL as string);
const server = new grpc.Server();
server.addService(protobufjsPoint.service, {
  GetUserPoints: (_call: unknown, callback: grpc.sendUnaryData<unknown>) =>
    callback({ code: grpc.status.UNIMPLEMENTED }),
  GetUserListPoints: async (
    call: grpc.ServerUnaryCall<{ user_ids: string[] }, unknown>,
    callback: grpc.sendUnaryData<unknown>,
  ) => {
    try {
      const ids = call.request.user_ids;
      const rows = ids.length
        ? await database.query(
            `select user_id, sum(points) as total from points where user_id in (${ids.map(() => '?').join(', ')}) group by user_id`,
            ids,
          )
        : [];
      const user_points: Record<string, number> = {};
      for (const row of rows) user_points[String(row.user_id)] = Number(row.total);
      callback(null, { user_points });
    } catch {
      callback({ code: grpc.status.UNAVAILABLE });
    }
  },
});
server.bindAsync(`127.0.0.1:${process.env.PORT}`, grpc.ServerCredentials.createInsecure(), () => {
  process.stdout.write('ready\n');
});
