// proto/point-codec.ts against protobufjs (what proto-loader uses, and any other client would):
// the same bytes out, the same messages in, and no hang or crash on malformed input.
import { loadSync, type MethodDefinition } from '@grpc/proto-loader';
import test from 'ava';
import { protoPath } from '../proto/point.ts';
import {
  decodeUserListPointResponse,
  decodeUserListRequest,
  encodeUserListPointResponse,
  encodeUserListRequest,
  type UserListPointResponse,
  type UserListRequest,
} from '../proto/point-codec.ts';

const reference = loadSync(protoPath, { keepCase: true, longs: Number, defaults: true })[
  'point.PointServer'
] as Record<string, MethodDefinition<UserListRequest, UserListPointResponse>>;
const protobufjs = reference.GetUserListPoints as MethodDefinition<
  UserListRequest,
  UserListPointResponse
>;

// A small deterministic generator (mulberry32), so a failure names a reproducible case.
function generator(seed: number) {
  let state = seed;
  const next = () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
  const below = (n: number) => Math.floor(next() * n);
  const alphabet = ['a', 'F', '0', '-', ' ', 'é', 'ß', '→', '日', '😀', '\u0000', '"'];
  const text = () =>
    next() < 0.5
      ? crypto.randomUUID()
      : Array.from({ length: below(12) }, () => alphabet[below(alphabet.length)]).join('');
  const int32 = () =>
    [0, 1, -1, 127, 128, 2 ** 31 - 1, -(2 ** 31), below(1000), -below(1000), below(2 ** 31)][
      below(10)
    ] as number;
  return { next, below, text, int32 };
}

const plain = (points: Map<string, number>) => Object.fromEntries(points);

test('encodes both messages to the bytes protobufjs produces', (t) => {
  const random = generator(1);
  for (let round = 0; round < 500; round++) {
    const user_ids = Array.from({ length: random.below(60) }, random.text);
    t.deepEqual(
      encodeUserListRequest({ user_ids }),
      protobufjs.requestSerialize({ user_ids }),
      `round ${round}`,
    );
    const user_points = new Map<string, number>();
    for (let i = random.below(60); i > 0; i--) {
      const key = random.text();
      // An object lists integer-like keys ("7") first, a Map in insertion order: both encode
      // the same map, but the bytes compared here would differ in entry order.
      if (!/^\d+$/.test(key)) user_points.set(key, random.int32());
    }
    const bytes = protobufjs.responseSerialize({ user_points: plain(user_points) });
    t.deepEqual(encodeUserListPointResponse({ user_points }), bytes, `round ${round}`);
    // protobufjs's own form, an object, is accepted too
    t.deepEqual(encodeUserListPointResponse({ user_points: plain(user_points) }), bytes);
  }
  t.is(encodeUserListRequest({ user_ids: [] }).length, 0);
  t.is(encodeUserListPointResponse({ user_points: {} }).length, 0);
});

test('values outside int32 are cut to 32 bits, as protobufjs does', (t) => {
  for (const value of [2 ** 31, 2 ** 32 + 5, -(2 ** 31) - 1, 3e9, 1.9, -1.9]) {
    const user_points = { a: value };
    const bytes = encodeUserListPointResponse({ user_points });
    t.deepEqual(bytes, protobufjs.responseSerialize({ user_points }), String(value));
    t.is(decodeUserListPointResponse(bytes).user_points.get('a'), value | 0);
  }
});

test('decodes what protobufjs encodes, the map into a Map', (t) => {
  const random = generator(2);
  for (let round = 0; round < 500; round++) {
    const user_ids = Array.from({ length: random.below(60) }, random.text);
    t.deepEqual(decodeUserListRequest(protobufjs.requestSerialize({ user_ids })), { user_ids });
    const user_points: Record<string, number> = {};
    for (let i = random.below(60); i > 0; i--) user_points[random.text()] = random.int32();
    const decoded = decodeUserListPointResponse(protobufjs.responseSerialize({ user_points }));
    t.true(decoded.user_points instanceof Map);
    t.deepEqual(plain(decoded.user_points), user_points, `round ${round}`);
  }
});

// Field-level builders for input protobufjs would never write but another encoder may.
const varint = (value: number | bigint) => {
  let rest = BigInt.asUintN(64, BigInt(value));
  const bytes: number[] = [];
  while (rest > 0x7fn) {
    bytes.push(Number(rest & 0x7fn) | 0x80);
    rest >>= 7n;
  }
  bytes.push(Number(rest));
  return bytes;
};
const delimited = (field: number, body: number[]) => [
  ...varint((field << 3) | 2),
  ...varint(body.length),
  ...body,
];
const string = (field: number, text: string) => delimited(field, [...Buffer.from(text)]);
const varintField = (field: number, value: number | bigint) => [
  ...varint(field << 3),
  ...varint(value),
];
const unknownFields = [
  ...varintField(7, 300),
  ...[(8 << 3) | 1, 1, 2, 3, 4, 5, 6, 7, 8], // fixed64
  ...delimited(9, [1, 2, 3]),
  ...[(10 << 3) | 5, 1, 2, 3, 4], // fixed32
];

test('reads entries the way protobufjs does: any order, missing parts, repeats, unknown fields', (t) => {
  const entries = [
    delimited(1, [...varintField(2, 5), ...string(1, 'value first')]),
    delimited(1, string(1, 'no value')),
    delimited(1, varintField(2, 9)), // no key: ""
    delimited(1, [...string(1, 'twice'), ...varintField(2, 1), ...varintField(2, -3)]),
    delimited(1, [...unknownFields, ...string(1, 'unknown inside'), ...varintField(2, 4)]),
    delimited(1, string(1, 'repeated key')),
    delimited(1, [...string(1, 'repeated key'), ...varintField(2, 8)]),
  ];
  const bytes = Buffer.from([...unknownFields, ...entries.flat(), ...unknownFields]);
  t.deepEqual(
    plain(decodeUserListPointResponse(bytes).user_points),
    protobufjs.responseDeserialize(bytes).user_points,
  );
  // A 64-bit varint in an int32 field (a non-conforming writer): the low 32 bits, as the
  // protobuf spec says for int64 read as int32. protobufjs misreads it, so it is checked alone.
  const wide = Buffer.from(delimited(1, [...string(1, 'wide'), ...varintField(2, 2n ** 40n + 7n)]));
  t.deepEqual(plain(decodeUserListPointResponse(wide).user_points), { wide: 7 });
  const request = Buffer.from([
    ...string(1, 'a'),
    ...unknownFields,
    ...string(1, ''),
    ...string(1, 'b'),
  ]);
  t.deepEqual(decodeUserListRequest(request), protobufjs.requestDeserialize(request));
});

test('a key named __proto__ is data, not a prototype', (t) => {
  const bytes = encodeUserListPointResponse({ user_points: new Map([['__proto__', 3]]) });
  t.is(decodeUserListPointResponse(bytes).user_points.get('__proto__'), 3);
});

test('truncated or malformed input throws a RangeError, never hangs or returns garbage silently', (t) => {
  const random = generator(3);
  const user_points = new Map<string, number>();
  for (let i = 0; i < 20; i++) user_points.set(random.text(), random.int32());
  const response = encodeUserListPointResponse({ user_points });
  const request = encodeUserListRequest({ user_ids: [...user_points.keys()] });
  // Every proper prefix that protobufjs rejects (one that ends inside a field), we reject too.
  const prefixes = (
    bytes: Buffer,
    reference: (bytes: Buffer) => unknown,
    ours: (bytes: Buffer) => unknown,
  ) => {
    for (let length = 1; length < bytes.length; length++) {
      const prefix = bytes.subarray(0, length);
      const rejected = (() => {
        try {
          reference(prefix);
          return false;
        } catch {
          return true;
        }
      })();
      if (rejected) t.throws(() => ours(prefix), { instanceOf: RangeError }, `${length} bytes`);
    }
  };
  prefixes(response, protobufjs.responseDeserialize, decodeUserListPointResponse);
  prefixes(request, protobufjs.requestDeserialize, decodeUserListRequest);
  for (const bad of [
    [0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f], // a length of 4 GiB
    [0x08, ...Array(11).fill(0xff), 0x01], // a varint of 12 bytes
    [(5 << 3) | 3], // a group
    [(5 << 3) | 7], // no such wire type
  ]) {
    t.throws(() => decodeUserListPointResponse(Buffer.from(bad)), { instanceOf: RangeError });
    t.throws(() => decodeUserListRequest(Buffer.from(bad)), { instanceOf: RangeError });
  }
  // Random bytes: either a message or a RangeError, nothing else.
  for (let round = 0; round < 2_000; round++) {
    const bytes = Buffer.from(Array.from({ length: random.below(40) }, () => random.below(256)));
    for (const decode of [decodeUserListPointResponse, decodeUserListRequest]) {
      try {
        decode(bytes);
      } catch (error) {
        t.true(error instanceof RangeError, String(error));
      }
    }
  }
});
