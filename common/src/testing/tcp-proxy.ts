// A TCP proxy in front of a real server, for faults: pass traffic, refuse connections, freeze
// traffic (held back and delivered once unfrozen, as TCP does when a stalled server or a healed
// partition comes back), or add latency.
import { once } from 'node:events';
import { createConnection, createServer, type Socket } from 'node:net';

export type ProxyMode = 'pass' | 'refuse' | 'freeze';

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
  const held: (() => void)[] = [];
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  };
  const relay = (from: Socket, to: Socket) =>
    from.on('data', (chunk) => {
      const deliver = () => to.write(chunk);
      if (mode === 'freeze') held.push(deliver);
      else if (latencyMs > 0) setTimeout(deliver, latencyMs);
      else deliver();
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
      // Refusing also breaks what is open now, as a database that went down would.
      if (next === 'refuse') for (const socket of sockets) socket.destroy();
      if (next === 'pass') for (const deliver of held.splice(0)) deliver();
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
