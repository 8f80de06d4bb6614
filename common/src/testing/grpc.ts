// Raw calls to a point server, so tests see status codes exactly as a client would.
import * as grpc from '@grpc/grpc-js';
import {
  type PointReply,
  ReferencePointServerClient,
  type UserListPointResponse,
} from '../grpc/point-proto.ts';

export type RawPointClient = {
  getUserPoints(userId: string): Promise<PointReply>;
  getUserListPoints(userIds: string[]): Promise<UserListPointResponse>;
  close(): void;
};

export function rawPointClient(target: string, metadata = new grpc.Metadata()): RawPointClient {
  const client = new ReferencePointServerClient(target, grpc.credentials.createInsecure());
  const options = () => ({ deadline: Date.now() + 5_000 });
  const settle =
    <T>(resolve: (value: T) => void, reject: (error: grpc.ServiceError) => void) =>
    (error: grpc.ServiceError | null, reply?: T) =>
      error ? reject(error) : resolve(reply as T);
  return {
    getUserPoints: (user_id) =>
      new Promise((resolve, reject) => {
        client.GetUserPoints({ user_id }, metadata, options(), settle(resolve, reject));
      }),
    getUserListPoints: (user_ids) =>
      new Promise((resolve, reject) => {
        client.GetUserListPoints({ user_ids }, metadata, options(), settle(resolve, reject));
      }),
    close: () => client.close(),
  };
}
