// Asks a server's grpc.health.v1.Health for a service's status, as kubelet's grpc probe does.
import * as grpc from '@grpc/grpc-js';
import { service as healthService } from 'grpc-health-check';

type HealthCheck = (
  request: { service: string },
  options: Partial<grpc.CallOptions>,
  callback: grpc.requestCallback<{ status: number | string }>,
) => void;

const HealthClient = grpc.makeGenericClientConstructor(healthService, 'Health') as unknown as new (
  target: string,
  credentials: grpc.ChannelCredentials,
) => grpc.Client & { check: HealthCheck };

const statusNames: Record<number | string, string> = {
  0: 'UNKNOWN',
  1: 'SERVING',
  2: 'NOT_SERVING',
  3: 'SERVICE_UNKNOWN',
};

export function checkHealth(target: string, service = '', deadlineMs = 2_000): Promise<string> {
  const client = new HealthClient(target, grpc.credentials.createInsecure());
  return new Promise<string>((resolve, reject) => {
    client.check({ service }, { deadline: Date.now() + deadlineMs }, (error, reply) => {
      if (error?.code === grpc.status.NOT_FOUND) resolve('SERVICE_UNKNOWN');
      else if (error || !reply) reject(error ?? new Error('empty health reply'));
      else resolve(statusNames[reply.status] ?? String(reply.status));
    });
  }).finally(() => client.close());
}
