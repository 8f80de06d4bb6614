// Loads proto/point.proto once; the message shapes below mirror it (field names kept as in the proto).
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { loadSync, type MethodDefinition, type ServiceDefinition } from '@grpc/proto-loader';
import {
  decodeUserListPointResponse,
  decodeUserListRequest,
  encodeUserListPointResponse,
  encodeUserListRequest,
} from './point-codec.ts';

export const POINT_SERVICE_NAME = 'point.PointServer';
export const protoPath = fileURLToPath(new URL('../../../proto/point.proto', import.meta.url));

export type PointRequest = { user_id: string };
export type PointReply = { user_point: string };
export type UserListRequest = { user_ids: string[] };
/** UserListPointResponse as protobufjs decodes it: the map as a plain object. */
export type UserListPointResponse = { user_points: Record<string, number> };
/** UserListPointResponse as our client and server see it (point-codec.ts): the map as a Map. */
export type UserListPoints = { user_points: Map<string, number> };

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

/** A point client; `ListReply` is how its GetUserListPoints replies are decoded. */
type PointClient<ListReply> = grpc.Client & {
  GetUserPoints: UnaryMethod<PointRequest, PointReply>;
  GetUserListPoints: UnaryMethod<UserListRequest, ListReply>;
};
export type PointServerClient = PointClient<UserListPoints>;
export type ReferencePointServerClient = PointClient<UserListPointResponse>;

type Loaded = { point: { PointServer: grpc.ServiceClientConstructor } };
type ClientConstructor<Client> = new (
  address: string,
  credentials: grpc.ChannelCredentials,
  options?: grpc.ChannelOptions,
) => Client;

/** The proto as proto-loader reads it: protobufjs encodes and decodes every message. */
const reference = loadSync(protoPath, { keepCase: true, longs: Number, defaults: true });
const referenceService = reference[POINT_SERVICE_NAME] as ServiceDefinition;
const referenceListPoints = referenceService.GetUserListPoints as MethodDefinition<object, object>;

/**
 * The same service with GetUserListPoints' messages through point-codec.ts: the same bytes,
 * with the map as a Map on both sides.
 */
const definition = {
  ...reference,
  [POINT_SERVICE_NAME]: {
    ...referenceService,
    GetUserListPoints: {
      ...referenceListPoints,
      requestSerialize: encodeUserListRequest,
      requestDeserialize: decodeUserListRequest,
      responseSerialize: encodeUserListPointResponse,
      responseDeserialize: decodeUserListPointResponse,
    },
  },
};
const loaded = grpc.loadPackageDefinition(definition) as unknown as Loaded;

export const PointServerClient = loaded.point
  .PointServer as unknown as ClientConstructor<PointServerClient>;

/**
 * A client that uses protobufjs for every message, as any other protobuf client would: what the
 * tests and the benchmark's load generator and baseline call point with.
 */
export const ReferencePointServerClient = (
  grpc.loadPackageDefinition(reference) as unknown as Loaded
).point.PointServer as unknown as ClientConstructor<ReferencePointServerClient>;

/** The service with protobufjs for every message: the benchmark's baseline serves this one. */
export const referencePointServiceDefinition = referenceService;

export const pointServiceDefinition = loaded.point.PointServer.service;

/** Every method of point.PointServer, as metric label values. */
export const pointMethods = Object.keys(pointServiceDefinition).map((method) => ({
  service: POINT_SERVICE_NAME,
  method,
}));
