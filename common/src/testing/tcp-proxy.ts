// A TCP proxy in front of a real server, for faults: pass traffic, refuse connections, swallow
// traffic without answering (a blackhole), or add latency.
import { once } from 'node:events';
import { createConnection, createServer, type Socket } from 'node:net';

export type ProxyMode = 'pass' | 'refuse' | 'blackhole';

export type TcpProxy = {
  port: number;
  /** `url` with its host and port replaced by the proxy's. */
  urlFor(url: string): string;
  setMode(mode: ProxyMode): void;
  /** Delay added to every chunk in both directions. */
  setLatency(ms: number): void;
  close(): Promise<void>;
};

export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  let mode: ProxyMode = 'pass';
  let latencyMs = 0;
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  };
  const relay = (from: Socket, to: Socket) =>
    from.on('data', (chunk) => {
      if (mode === 'blackhole') return;
      if (latencyMs > 0) setTimeout(() => to.write(chunk), latencyMs);
      else to.write(chunk);
    });

  const server = createServer((client) => {
    track(client);
    if (mode === 'refuse') return void client.destroy();
    const upstream = createConnection(targetPort, targetHost);
    track(upstream);
    relay(client, upstream);
    relay(upstream, client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };

  return {
    port,
    urlFor(url) {
      const parsed = new URL(url);
      parsed.hostname = '127.0.0.1';
      parsed.port = String(port);
      return parsed.toString();
    },
    setMode(next) {
      mode = next;
      // Cutting or freezing the link breaks what is open now, as a real outage would.
      if (next !== 'pass') for (const socket of sockets) if (next === 'refuse') socket.destroy();
    },
    setLatency(ms) {
      latencyMs = ms;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
