// A real OTLP/HTTP trace receiver in the test process: node:http decoding what the SDK's
// exporters send, protobuf (through the OTLP proto definitions and protobufjs) or JSON, into
// plain spans. `answer` makes it fail the way a sick collector does.
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

export type ReceivedSpan = {
  service: string;
  /** The resource's attributes (service.name among them). */
  resource: Record<string, unknown>;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  /** OTLP SpanKind: 1 internal, 2 server, 3 client. */
  kind: number;
  attributes: Record<string, unknown>;
  /** OTLP StatusCode: 0 unset, 1 ok, 2 error. */
  status: number;
  events: string[];
};

export type Receiver = {
  url: string;
  spans: ReceivedSpan[];
  /** Export requests by Content-Type. */
  requests: Record<string, number>;
  /** The Authorization headers the exports carried. */
  authorizations: string[];
  close(): Promise<void>;
};

const root = protobuf.loadSync(
  fileURLToPath(new URL('fixtures/otlp-trace.proto', import.meta.url)),
);
const Request = root.lookupType('otlp.ExportTraceServiceRequest');

type AnyValue = {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string | number;
  doubleValue?: number;
  arrayValue?: { values?: AnyValue[] };
};
type KeyValue = { key: string; value?: AnyValue };
type Id = string | Uint8Array | undefined;

const plainValue = (value: AnyValue | undefined): unknown => {
  if (!value) return undefined;
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return value.doubleValue;
  if (value.arrayValue) return (value.arrayValue.values ?? []).map(plainValue);
  return undefined;
};
const attributesOf = (list: KeyValue[] = []) =>
  Object.fromEntries(list.map(({ key, value }) => [key, plainValue(value)]));
// JSON carries ids as hex, protobuf as bytes.
const hex = (id: Id) => (typeof id === 'string' ? id : Buffer.from(id ?? []).toString('hex'));

type Decoded = {
  resourceSpans?: {
    resource?: { attributes?: KeyValue[] };
    scopeSpans?: {
      spans?: {
        traceId: Id;
        spanId: Id;
        parentSpanId?: Id;
        name: string;
        kind?: number;
        attributes?: KeyValue[];
        events?: { name: string }[];
        status?: { code?: number };
      }[];
    }[];
  }[];
};

function spansOf(decoded: Decoded): ReceivedSpan[] {
  return (decoded.resourceSpans ?? []).flatMap(({ resource, scopeSpans = [] }) => {
    const attributes = attributesOf(resource?.attributes);
    const service = String(attributes['service.name']);
    return scopeSpans.flatMap(({ spans = [] }) =>
      spans.map((span) => ({
        service,
        resource: attributes,
        traceId: hex(span.traceId),
        spanId: hex(span.spanId),
        parentSpanId: hex(span.parentSpanId),
        name: span.name,
        kind: span.kind ?? 0,
        attributes: attributesOf(span.attributes),
        status: span.status?.code ?? 0,
        events: (span.events ?? []).map((event) => event.name),
      })),
    );
  });
}

export async function startReceiver(answer: 200 | 503 = 200): Promise<Receiver> {
  const spans: ReceivedSpan[] = [];
  const requests: Record<string, number> = {};
  const authorizations: string[] = [];
  const server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const type = String(request.headers['content-type']).split(';')[0] ?? '';
    requests[type] = (requests[type] ?? 0) + 1;
    if (request.headers.authorization) authorizations.push(request.headers.authorization);
    if (answer !== 200 || request.url !== '/v1/traces') {
      response.writeHead(answer === 200 ? 404 : answer).end();
      return;
    }
    const body = Buffer.concat(chunks);
    if (type === 'application/json') {
      spans.push(...spansOf(JSON.parse(body.toString('utf8')) as Decoded));
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    } else {
      const message = Request.decode(body);
      spans.push(...spansOf(Request.toObject(message, { longs: String }) as Decoded));
      response.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    spans,
    requests,
    authorizations,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
