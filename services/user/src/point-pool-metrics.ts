// The point pool per backend, from grpc-js's channelz: connections by state, and calls taken.
import * as grpc from '@grpc/grpc-js';
import { Counter, Gauge, type Registry } from 'prom-client';

type ChannelzSubchannel = {
  ref: { subchannel_id: string | number };
  data: {
    target: string;
    state: { state: string };
    calls_started: string | number;
    calls_succeeded: string | number;
    calls_failed: string | number;
  };
};
type ChannelzReply = {
  channel?: { subchannel_ref?: { subchannel_id: string | number }[] };
  subchannel?: ChannelzSubchannel;
};
type ChannelzHandler = (
  call: { request: Record<string, unknown> },
  callback: (error: unknown, reply?: ChannelzReply) => void,
) => void;

const handlers = grpc.getChannelzHandlers() as unknown as Record<string, ChannelzHandler>;
const ask = (method: string, request: Record<string, unknown>) =>
  new Promise<ChannelzReply | undefined>((resolve) =>
    handlers[method]?.({ request }, (error, reply) => resolve(error ? undefined : reply)),
  );

const states = ['IDLE', 'CONNECTING', 'READY', 'TRANSIENT_FAILURE', 'SHUTDOWN'];
const outcomes = ['started', 'succeeded', 'failed'] as const;

export async function poolSubchannels(clients: grpc.Client[]): Promise<ChannelzSubchannel[]> {
  const result: ChannelzSubchannel[] = [];
  for (const client of clients) {
    const channelId = client.getChannel().getChannelzRef().id;
    const channel = await ask('GetChannel', { channel_id: channelId });
    for (const ref of channel?.channel?.subchannel_ref ?? []) {
      const reply = await ask('GetSubchannel', { subchannel_id: ref.subchannel_id });
      if (reply?.subchannel) result.push(reply.subchannel);
    }
  }
  return result;
}

export function registerPoolMetrics(registry: Registry, clients: grpc.Client[]): void {
  const seen = new Map<string, Record<(typeof outcomes)[number], number>>();
  new Counter({
    name: 'point_pool_backend_calls_total',
    help: 'Calls the point pool sent to each backend address, by outcome.',
    labelNames: ['backend', 'outcome'] as const,
    registers: [registry],
    async collect() {
      // Channelz counts live per subchannel; fold their growth into counters that outlive them.
      for (const { ref, data } of await poolSubchannels(clients)) {
        const id = String(ref.subchannel_id);
        const before = seen.get(id) ?? { started: 0, succeeded: 0, failed: 0 };
        const now = {
          started: Number(data.calls_started),
          succeeded: Number(data.calls_succeeded),
          failed: Number(data.calls_failed),
        };
        for (const outcome of outcomes) {
          const delta = now[outcome] - before[outcome];
          if (delta > 0) this.inc({ backend: data.target, outcome }, delta);
        }
        seen.set(id, now);
      }
    },
  });
  new Gauge({
    name: 'point_pool_backend_connections',
    help: 'Pool connections to each point backend address, by connectivity state.',
    labelNames: ['backend', 'state'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const { data } of await poolSubchannels(clients)) {
        const state = states.includes(data.state.state) ? data.state.state : 'UNKNOWN';
        this.inc({ backend: data.target, state });
      }
    },
  });
}
