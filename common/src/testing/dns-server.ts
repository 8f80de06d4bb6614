// A tiny authoritative DNS server for tests: one name resolving to a changeable list of IPv4
// addresses, the way a Kubernetes headless Service name resolves to its ready pods.
import { createSocket, type RemoteInfo } from 'node:dgram';
import { once } from 'node:events';

export type TestDnsServer = {
  /** `dns://127.0.0.1:<port>/<name>:<targetPort>`: a grpc-js target resolved through this server. */
  target(targetPort: number): string;
  setAddresses(addresses: string[]): void;
  queries(): number;
  close(): Promise<void>;
};

const TYPE_A = 1;

export async function startDnsServer(name: string, addresses: string[]): Promise<TestDnsServer> {
  let current = [...addresses];
  let queryCount = 0;
  const socket = createSocket('udp4');
  socket.on('message', (query: Buffer, peer: RemoteInfo) => {
    queryCount++;
    const reply = answer(query, name, current);
    if (reply) socket.send(reply, peer.port, peer.address);
  });
  socket.bind(0, '127.0.0.1');
  await once(socket, 'listening');
  const { port } = socket.address();
  return {
    target: (targetPort) => `dns://127.0.0.1:${port}/${name}:${targetPort}`,
    setAddresses: (next) => {
      current = [...next];
    },
    queries: () => queryCount,
    close: () => new Promise((resolve) => socket.close(() => resolve())),
  };
}

/** Answers A queries for `name` with `addresses`; other types get no records, other names NXDOMAIN. */
function answer(query: Buffer, name: string, addresses: string[]): Buffer | undefined {
  if (query.length < 12) return undefined;
  let offset = 12;
  const labels: string[] = [];
  while (offset < query.length && query[offset] !== 0) {
    const length = query[offset] as number;
    labels.push(query.subarray(offset + 1, offset + 1 + length).toString('ascii'));
    offset += length + 1;
  }
  const questionEnd = offset + 5; // zero byte, QTYPE, QCLASS
  if (questionEnd > query.length) return undefined;
  const type = query.readUInt16BE(offset + 1);
  const known = labels.join('.').toLowerCase() === name.toLowerCase();
  const records = known && type === TYPE_A ? addresses : [];

  const header = Buffer.alloc(12);
  query.copy(header, 0, 0, 2); // id
  header.writeUInt16BE(0x8400 | (query.readUInt16BE(2) & 0x0100) | (known ? 0 : 3), 2); // QR AA RD, rcode
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(records.length, 6);
  const answers = records.map((address) => {
    const record = Buffer.alloc(16);
    record.writeUInt16BE(0xc00c, 0); // pointer to the question's name
    record.writeUInt16BE(TYPE_A, 2);
    record.writeUInt16BE(1, 4); // IN
    record.writeUInt32BE(1, 6); // TTL 1 s
    record.writeUInt16BE(4, 10);
    for (const [index, octet] of address.split('.').entries()) {
      record.writeUInt8(Number(octet), 12 + index);
    }
    return record;
  });
  return Buffer.concat([header, query.subarray(12, questionEnd), ...answers]);
}
