// point.proto as grpc-js sees it: the service definition, a typed client and the message shapes
// (field names as in the proto). Shared by the point service, the user service and the tools.
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';

export const POINT_SERVICE_NAME = 'point.PointServer';
// A bundle finds the file next to itself: scripts/build.ts copies it there.
export const protoPath = fileURLToPath(new URL('./point.proto', import.meta.url));

export type PointRequest = { user_id: string };
export type PointReply = { user_point: string };
export type UserListRequest = { user_ids: string[] };
export type UserListPointResponse = { user_points: Record<string, number> };

export type PointServerHandlers = {
  GetUserPoints: grpc.handleUnaryCall<PointRequest, PointReply>;
  GetUserListPoints: grpc.handleUnaryCall<UserListRequest, UserListPointResponse>;
};

type UnaryMethod<Req, Res> = (
  request: Req,
  metadata: grpc.Metadata,
  options: Partial<grpc.CallOptions>,
  callback: grpc.requestCallback<Res>,
) => grpc.ClientUnaryCall;

export type PointServerClient = grpc.Client & {
  GetUserPoints: UnaryMethod<PointRequest, PointReply>;
  GetUserListPoints: UnaryMethod<UserListRequest, UserListPointResponse>;
};

const definition = loadSync(protoPath, { keepCase: true, longs: Number, defaults: true });
const loaded = grpc.loadPackageDefinition(definition) as unknown as {
  point: { PointServer: grpc.ServiceClientConstructor };
};

export const PointServerClient = loaded.point.PointServer as unknown as new (
  address: string,
  credentials: grpc.ChannelCredentials,
  options?: grpc.ChannelOptions,
) => PointServerClient;

export const pointServiceDefinition = loaded.point.PointServer.service;

/** Every method of point.PointServer, as metric label values. */
export const pointMethods = Object.keys(pointServiceDefinition).map((method) => ({
  service: POINT_SERVICE_NAME,
  method,
}));

/** Promise-returning calls on one plain channel: for scripts and tests, not the user service. */
export type PlainPointClient = {
  getUserPoints(userId: string): Promise<PointReply>;
  getUserListPoints(userIds: string[]): Promise<UserListPointResponse>;
  close(): void;
};

export function plainPointClient(target: string, metadata = new grpc.Metadata()): PlainPointClient {
  const client = new PointServerClient(target, grpc.credentials.createInsecure());
  const options = () => ({ deadline: Date.now() + 5_000 });
  const call = <Req, Res>(method: UnaryMethod<Req, Res>, request: Req) =>
    new Promise<Res>((resolve, reject) => {
      method.call(client, request, metadata, options(), (error, reply) =>
        error ? reject(error) : resolve(reply as Res),
      );
    });
  return {
    getUserPoints: (user_id) => call(client.GetUserPoints, { user_id }),
    getUserListPoints: (user_ids) => call(client.GetUserListPoints, { user_ids }),
    close: () => client.close(),
  };
}
