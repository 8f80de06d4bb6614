// GetUserListPoints' two messages in the protobuf wire format, written by hand so that the map
// is a Map on both sides: protobufjs builds an object with a never-seen key per entry, which costs
// point and user more than the library is worth here (docs/BENCHMARKS.md, "Custom parts kept").
// The bytes are protobufjs's own (test/point-codec.test.ts compares them on generated, unusual
// and malformed input). GetUserPoints keeps proto-loader's codec.
//
//   message UserListRequest       { repeated string user_ids = 1; }
//   message UserListPointResponse { map<string, int32> user_points = 1; }
//   (a map entry is a nested message { string key = 1; int32 value = 2; })

export type UserListRequest = { user_ids: string[] };
/** UserListPointResponse with its map as a Map, as this codec reads and writes it. */
export type UserListPoints = { user_points: Map<string, number> };
/** UserListPointResponse as protobufjs reads it: the map as an object. */
export type UserListPointResponse = { user_points: Record<string, number> };

const LENGTH_DELIMITED_1 = (1 << 3) | 2; // field 1, wire type 2: 0x0a
const VARINT_2 = (2 << 3) | 0; // field 2, wire type 0: 0x10

/** Bytes a non-negative 32-bit integer takes as a varint. */
function varintSize(value: number): number {
  if (value < 0x80) return 1;
  if (value < 0x4000) return 2;
  if (value < 0x200000) return 3;
  if (value < 0x10000000) return 4;
  return 5;
}

function writeVarint(out: Buffer, position: number, value: number): number {
  let rest = value >>> 0;
  let at = position;
  while (rest > 0x7f) {
    out[at++] = (rest & 0x7f) | 0x80;
    rest >>>= 7;
  }
  out[at++] = rest;
  return at;
}

/** An int32 below zero is sign-extended to 64 bits: always ten bytes, as in every protobuf. */
function writeNegativeInt32(out: Buffer, position: number, value: number): number {
  let low = value >>> 0;
  let at = position;
  for (let i = 0; i < 4; i++) {
    out[at++] = (low & 0x7f) | 0x80;
    low >>>= 7;
  }
  out[at++] = (low & 0x0f) | 0x70 | 0x80; // 4 bits of value, 3 bits of sign, continue
  for (let i = 0; i < 4; i++) out[at++] = 0xff;
  out[at++] = 0x01;
  return at;
}

export function encodeUserListRequest(request: UserListRequest): Buffer {
  const ids = request.user_ids ?? [];
  const strings = ids.map(String);
  let size = 0;
  const lengths = strings.map((id) => {
    const length = Buffer.byteLength(id);
    size += 1 + varintSize(length) + length;
    return length;
  });
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  for (let i = 0; i < strings.length; i++) {
    out[at++] = LENGTH_DELIMITED_1;
    at = writeVarint(out, at, lengths[i] as number);
    at += out.write(strings[i] as string, at);
  }
  return out;
}

/** Takes the map as a Map (our point service) or as an object (protobufjs's form). */
export function encodeUserListPointResponse(
  response: UserListPoints | UserListPointResponse,
): Buffer {
  const points = response.user_points ?? {};
  const entries = points instanceof Map ? [...points] : Object.entries(points);
  const keyLengths = new Array<number>(entries.length);
  const values = new Array<number>(entries.length);
  const entryLengths = new Array<number>(entries.length);
  let size = 0;
  for (let i = 0; i < entries.length; i++) {
    const [key, total] = entries[i] as [string, number];
    const keyLength = Buffer.byteLength(key);
    const value = total | 0; // int32, as protobufjs's fromObject makes it
    const entry = 1 + varintSize(keyLength) + keyLength + 1 + (value < 0 ? 10 : varintSize(value));
    keyLengths[i] = keyLength;
    values[i] = value;
    entryLengths[i] = entry;
    size += 1 + varintSize(entry) + entry;
  }
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  for (let i = 0; i < entries.length; i++) {
    const value = values[i] as number;
    out[at++] = LENGTH_DELIMITED_1;
    at = writeVarint(out, at, entryLengths[i] as number);
    out[at++] = LENGTH_DELIMITED_1;
    at = writeVarint(out, at, keyLengths[i] as number);
    at += out.write((entries[i] as [string, number])[0], at);
    out[at++] = VARINT_2;
    at = value < 0 ? writeNegativeInt32(out, at, value) : writeVarint(out, at, value);
  }
  return out;
}

/** Reads one message's fields; throws a RangeError on anything truncated or malformed. */
class Reader {
  readonly bytes: Buffer;
  position = 0;

  constructor(bytes: Buffer) {
    this.bytes = bytes;
  }

  /** A varint's low 32 bits; the rest of a 64-bit varint is read and dropped. */
  varint(end: number): number {
    const { bytes } = this;
    let value = 0;
    for (let shift = 0; shift < 70; shift += 7) {
      if (this.position >= end) throw new RangeError('protobuf: truncated varint');
      const byte = bytes[this.position++] as number;
      if (shift < 32) value |= (byte & 0x7f) << shift;
      if (byte < 0x80) return value;
    }
    throw new RangeError('protobuf: varint longer than 10 bytes');
  }

  /** The end of a length-delimited field that starts here. */
  delimited(end: number): number {
    const length = this.varint(end) >>> 0;
    const stop = this.position + length;
    if (stop > end) throw new RangeError('protobuf: length beyond the end of the message');
    return stop;
  }

  string(end: number): string {
    const stop = this.delimited(end);
    const text = this.bytes.toString('utf8', this.position, stop);
    this.position = stop;
    return text;
  }

  /** Skips a field this codec does not know (proto3: unknown fields are ignored). */
  skip(tag: number, end: number): void {
    switch (tag & 7) {
      case 0:
        this.varint(end);
        return;
      case 1:
        this.advance(8, end);
        return;
      case 2:
        this.position = this.delimited(end);
        return;
      case 5:
        this.advance(4, end);
        return;
      default: // 3 and 4 are the deprecated groups, 6 and 7 do not exist
        throw new RangeError(`protobuf: unsupported wire type ${tag & 7}`);
    }
  }

  private advance(count: number, end: number): void {
    if (this.position + count > end) throw new RangeError('protobuf: truncated field');
    this.position += count;
  }
}

const asBuffer = (bytes: Uint8Array) =>
  Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

export function decodeUserListRequest(bytes: Uint8Array): UserListRequest {
  const reader = new Reader(asBuffer(bytes));
  const end = bytes.length;
  const user_ids: string[] = [];
  while (reader.position < end) {
    const tag = reader.varint(end);
    if (tag === LENGTH_DELIMITED_1) user_ids.push(reader.string(end));
    else reader.skip(tag, end);
  }
  return { user_ids };
}

export function decodeUserListPointResponse(bytes: Uint8Array): UserListPoints {
  const reader = new Reader(asBuffer(bytes));
  const end = bytes.length;
  const user_points = new Map<string, number>();
  while (reader.position < end) {
    const tag = reader.varint(end);
    if (tag !== LENGTH_DELIMITED_1) {
      reader.skip(tag, end);
      continue;
    }
    // One map entry: key and value in any order, either may be missing (then "" or 0), the
    // last one wins when repeated, unknown fields are skipped.
    const entryEnd = reader.delimited(end);
    let key = '';
    let value = 0;
    while (reader.position < entryEnd) {
      const field = reader.varint(entryEnd);
      if (field === LENGTH_DELIMITED_1) key = reader.string(entryEnd);
      else if (field === VARINT_2) value = reader.varint(entryEnd) | 0;
      else reader.skip(field, entryEnd);
    }
    user_points.set(key, value);
  }
  return { user_points };
}
