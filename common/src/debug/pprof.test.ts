import { gunzipSync } from 'node:zlib';
import test from 'ava';
import { Profile } from 'pprof-format';
import { cpuProfileToPprof, encodePprof, heapProfileToPprof } from './pprof.ts';

const frame = (functionName: string, lineNumber = 0) => ({
  functionName,
  url: 'file:///app/x.ts',
  lineNumber,
  columnNumber: 0,
});

/** Each sample's stack as function names, leaf first, with its values. */
function stacks(encoded: Buffer) {
  const profile = Profile.decode(gunzipSync(encoded));
  const text = (index: unknown) => profile.stringTable.strings[Number(index)];
  const nameOf = (locationId: unknown) => {
    const location = profile.location.find((l) => Number(l.id) === Number(locationId));
    const fn = profile.function.find((f) => Number(f.id) === Number(location?.line[0]?.functionId));
    return `${text(fn?.name)}:${location?.line[0]?.line}`;
  };
  return {
    types: profile.sampleType.map((t) => `${text(t.type)}/${text(t.unit)}`),
    period: Number(profile.period),
    samples: profile.sample.map((s) => ({
      stack: s.locationId.map(nameOf),
      values: s.value.map(Number),
    })),
  };
}

test('a CPU profile becomes one sample per hit node, leaf first, idle time left out', (t) => {
  const encoded = encodePprof(
    cpuProfileToPprof(
      {
        startTime: 0,
        endTime: 10_000,
        nodes: [
          { id: 1, callFrame: frame('(root)'), hitCount: 0, children: [2, 4] },
          { id: 2, callFrame: frame('handle', 9), hitCount: 1, children: [3] },
          { id: 3, callFrame: frame('', 19), hitCount: 3 },
          { id: 4, callFrame: frame('(idle)'), hitCount: 50 },
        ],
      },
      1000,
    ),
  );
  t.deepEqual(stacks(encoded), {
    types: ['samples/count', 'cpu/nanoseconds'],
    period: 1_000_000,
    samples: [
      { stack: ['handle:10'], values: [1, 1_000_000] },
      { stack: ['(anonymous):20', 'handle:10'], values: [3, 3_000_000] },
    ],
  });
});

test('a sampling heap profile becomes live bytes and objects per allocation stack', (t) => {
  const encoded = encodePprof(
    heapProfileToPprof(
      {
        head: {
          id: 1,
          callFrame: frame('(root)'),
          selfSize: 0,
          children: [
            {
              id: 2,
              callFrame: frame('load', 4),
              selfSize: 2048,
              children: [{ id: 3, callFrame: frame('parse', 7), selfSize: 4096, children: [] }],
            },
          ],
        },
        samples: [
          { nodeId: 2, size: 1024 },
          { nodeId: 3, size: 512 },
          { nodeId: 3, size: 512 },
        ],
      },
      512 * 1024,
    ),
  );
  t.deepEqual(stacks(encoded), {
    types: ['objects/count', 'space/bytes'],
    period: 512 * 1024,
    samples: [
      { stack: ['load:5'], values: [2, 2048] },
      { stack: ['parse:8', 'load:5'], values: [8, 4096] },
    ],
  });
});
