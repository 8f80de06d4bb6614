// point.proto as grpc-js sees it: the service definition, a typed client and the message shapes
// (field names as in the proto). Shared by the point service, the user service and the tools.
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { loadSync, type MethodDefinition, type ServiceDefinition } from '@grpc/proto-loader';
import {
  decodeUserListPointResponse,
  decodeUserListRequest,
  encodeUserListPointResponse,
  encodeUserListRequest,
  type UserListPointResponse,
  type UserListPoints,
  type UserListRequest,
} from './point-codec.ts';

export type { UserListPointResponse, UserListPoints, UserListRequest };

export const POINT_SERVICE_NAME = 'point.PointServer';
// A bundle finds the file next to itself: scripts/build.ts copies it there.
export const protoPath = fileURLToPath(new URL('./point.proto', import.meta.url));

export type PointRequest = { user_id: string };
export type PointReply = { user_point: string };

export type PointServerHandlers = {
  GetUserPoints: grpc.handleUnaryCall<PointRequest, PointReply>;
  GetUserListPoints: grpc.handleUnaryCall<UserListRequest, UserListPoints>;
};

type UnaryMethod<Req, Res> = (
  request: Req,
  metadata: grpc.Metadata,
  options: Partial<grpc.CallOptions>,
  callback: grpc.requestCallback<Res>,
) => grpc.ClientUnaryCall;

/** A client of point; `ListReply` is how it decodes GetUserListPoints' reply. */
type Client<ListReply> = grpc.Client & {
  GetUserPoints: UnaryMethod<PointRequest, PointReply>;
  GetUserListPoints: UnaryMethod<UserListRequest, ListReply>;
};
export type PointServerClient = Client<UserListPoints>;
export type ProtobufjsPointClient = Client<UserListPointResponse>;

type ClientConstructor<C> = new (
  address: string,
  credentials: grpc.ChannelCredentials,
  options?: grpc.ChannelOptions,
) => C;
type Loaded = { point: { PointServer: grpc.ServiceClientConstructor } };

const protobufjsDefinition = loadSync(protoPath, { keepCase: true, longs: Number, defaults: true });
const protobufjsService = protobufjsDefinition[POINT_SERVICE_NAME] as ServiceDefinition;
const listPoints = protobufjsService.GetUserListPoints as MethodDefinition<object, object>;
// Our services: GetUserListPoints through point-codec.ts, the same bytes with the map as a Map.
const loaded = grpc.loadPackageDefinition({
  ...protobufjsDefinition,
  [POINT_SERVICE_NAME]: {
    ...protobufjsService,
    GetUserListPoints: {
      ...listPoints,
      requestSerialize: encodeUserListRequest,
      requestDeserialize: decodeUserListRequest,
      responseSerialize: encodeUserListPointResponse,
      responseDeserialize: decodeUserListPointResponse,
    },
  },
}) as unknown as Loaded;

export const PointServerClient = loaded.point
  .PointServer as unknown as ClientConstructor<PointServerClient>;
export const pointServiceDefinition = loaded.point.PointServer.service;

/** The contract as proto-loader reads it, for clients and servers other than ours (the bench's baseline). */
const protobufjsLoaded = grpc.loadPackageDefinition(protobufjsDefinition) as unknown as Loaded;
export const protobufjsPoint = {
  Client: protobufjsLoaded.point.PointServer as unknown as ClientConstructor<ProtobufjsPointClient>,
  service: protobufjsLoaded.point.PointServer.service,
};

/** Every method of point.PointServer, as metric label values. */
export const pointMethods = Object.keys(pointServiceDefinition).map((method) => ({
  service: POINT_SERVICE_NAME,
  method,
}));

/**
 * Promise-returning calls on one plain channel, decoding as protobufjs does, as any other client
 * would: for scripts and tests, not the user service.
 */
export type PlainPointClient = {
  getUserPoints(userId: string): Promise<PointReply>;
  getUserListPoints(userIds: string[]): Promise<UserListPointResponse>;
  close(): void;
};

export function plainPointClient(target: string, metadata = new grpc.Metadata()): PlainPointClient {
  const client = new protobufjsPoint.Client(target, grpc.credentials.createInsecure());
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
