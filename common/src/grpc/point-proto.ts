// Loads proto/point.proto once; the message shapes below mirror it (field names kept as in the proto).
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';

export const POINT_SERVICE_NAME = 'point.PointServer';
export const protoPath = fileURLToPath(new URL('../../../proto/point.proto', import.meta.url));

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
