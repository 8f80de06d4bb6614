// V8's CPU and sampling heap profiles in pprof's format, for `go tool pprof` and speedscope.
import { gzipSync } from 'node:zlib';
import {
  Location,
  Function as PprofFunction,
  Profile,
  Sample,
  StringTable,
  ValueType,
} from 'pprof-format';

type CallFrame = {
  functionName: string;
  url: string;
  lineNumber: number; // 0-based
  columnNumber: number;
};

export type V8CpuProfile = {
  nodes: { id: number; callFrame: CallFrame; hitCount?: number; children?: number[] }[];
  startTime: number; // µs
  endTime: number;
};

export type V8HeapProfileNode = {
  id: number;
  callFrame: CallFrame;
  selfSize: number;
  children: V8HeapProfileNode[];
};
export type V8HeapProfile = {
  head: V8HeapProfileNode;
  samples: { size: number; nodeId: number }[];
};

function createBuilder() {
  const strings = new StringTable();
  const functions = new Map<string, PprofFunction>();
  const locations = new Map<string, Location>();
  const locationOf = ({ functionName, url, lineNumber }: CallFrame): number => {
    const name = functionName || '(anonymous)';
    const functionKey = `${name}\0${url}`;
    let fn = functions.get(functionKey);
    if (!fn) {
      fn = new PprofFunction({
        id: functions.size + 1,
        name: strings.dedup(name),
        systemName: strings.dedup(name),
        filename: strings.dedup(url),
      });
      functions.set(functionKey, fn);
    }
    const line = lineNumber + 1;
    const locationKey = `${fn.id}:${line}`;
    let location = locations.get(locationKey);
    if (!location) {
      location = new Location({ id: locations.size + 1, line: [{ functionId: fn.id, line }] });
      locations.set(locationKey, location);
    }
    return Number(location.id);
  };
  return {
    strings,
    locationOf,
    valueType: (type: string, unit: string) =>
      new ValueType({ type: strings.dedup(type), unit: strings.dedup(unit) }),
    tables: () => ({
      function: [...functions.values()],
      location: [...locations.values()],
      stringTable: strings,
    }),
  };
}

/** CPU time per stack: samples (count) and cpu (nanoseconds), one sample every `intervalUs`. */
export function cpuProfileToPprof(profile: V8CpuProfile, intervalUs: number): Profile {
  const builder = createBuilder();
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) {
    for (const child of node.children ?? []) parentOf.set(child, node.id);
  }
  const stackOf = (id: number): number[] => {
    const stack: number[] = [];
    for (let at: number | undefined = id; at !== undefined; at = parentOf.get(at)) {
      const node = byId.get(at);
      if (!node || node.callFrame.functionName === '(root)') break;
      stack.push(builder.locationOf(node.callFrame));
    }
    return stack;
  };
  const intervalNs = intervalUs * 1000;
  const samples = profile.nodes
    .filter((node) => (node.hitCount ?? 0) > 0 && node.callFrame.functionName !== '(idle)')
    .map(
      (node) =>
        new Sample({
          locationId: stackOf(node.id),
          value: [node.hitCount ?? 0, (node.hitCount ?? 0) * intervalNs],
        }),
    );
  return new Profile({
    sampleType: [builder.valueType('samples', 'count'), builder.valueType('cpu', 'nanoseconds')],
    periodType: builder.valueType('cpu', 'nanoseconds'),
    period: intervalNs,
    timeNanos: Math.round(profile.startTime * 1000),
    durationNanos: Math.round((profile.endTime - profile.startTime) * 1000),
    sample: samples,
    ...builder.tables(),
  });
}

/** Live heap per allocation stack; the object count is scaled as V8 scales the sizes. */
export function heapProfileToPprof(profile: V8HeapProfile, samplingIntervalBytes: number): Profile {
  const builder = createBuilder();
  const sampled = new Map<number, { count: number; bytes: number }>();
  for (const { nodeId, size } of profile.samples) {
    const entry = sampled.get(nodeId) ?? { count: 0, bytes: 0 };
    entry.count += 1;
    entry.bytes += size;
    sampled.set(nodeId, entry);
  }
  const samples: Sample[] = [];
  const visit = (node: V8HeapProfileNode, parentStack: number[]) => {
    const isRoot = node.callFrame.functionName === '(root)';
    const stack = isRoot ? parentStack : [builder.locationOf(node.callFrame), ...parentStack];
    const seen = sampled.get(node.id);
    if (node.selfSize > 0 && !isRoot) {
      const objects = seen && seen.bytes > 0 ? (seen.count * node.selfSize) / seen.bytes : 0;
      samples.push(
        new Sample({ locationId: stack, value: [Math.max(1, Math.round(objects)), node.selfSize] }),
      );
    }
    for (const child of node.children) visit(child, stack);
  };
  visit(profile.head, []);
  return new Profile({
    sampleType: [builder.valueType('objects', 'count'), builder.valueType('space', 'bytes')],
    periodType: builder.valueType('space', 'bytes'),
    period: samplingIntervalBytes,
    timeNanos: Date.now() * 1_000_000,
    sample: samples,
    ...builder.tables(),
  });
}

export const encodePprof = (profile: Profile): Buffer => gzipSync(profile.encode());
