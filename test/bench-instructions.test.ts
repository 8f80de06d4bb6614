// bench/instructions.ts reads callgrind's report; these tests hold its parsing and arithmetic to a
// small report of the real shape. (Running it takes valgrind and minutes: docs/BENCHMARKS.md.)
import test from 'ava';
import { categoryOf, jitNamer, parseAnnotate, perRequest, split } from '../bench/instructions.ts';

const perfMap = [
  '2813a000 200 JS:*processTicksAndRejections node:internal/process/task_queues:72:35',
  '2813b000 100 JS:+processTicksAndRejections node:internal/process/task_queues:72:35',
  '2813c000 80 JS:^sendSuccess file:///app/main.mjs:1:1',
].join('\n');

const report = (scale: number) => `
--------------------------------------------------------------------------------
${(1000 * scale).toLocaleString('en')} (100.0%)  PROGRAM TOTALS
--------------------------------------------------------------------------------
Ir                    file:function
--------------------------------------------------------------------------------
${(300 * scale).toLocaleString('en')} (30.00%)  ???:0x000000002813a010 [???]
${(100 * scale).toLocaleString('en')} (10.00%)  ???:0x000000002813b050'2 [???]
${(50 * scale).toLocaleString('en')} ( 5.00%)  ???:0x000000002813c000 [???]
${(20 * scale).toLocaleString('en')} ( 2.00%)  ???:0x0000000099990000 [???]
${(200 * scale).toLocaleString('en')} (20.00%)  ???:v8::internal::compiler::GraphReducer::ReduceTop() [/usr/bin/node]
${(80 * scale).toLocaleString('en')} ( 8.00%)  ???:v8::internal::Scavenger::ScavengeObject(x) [/usr/bin/node]
${(250 * scale).toLocaleString('en')} (25.00%)  ???:Builtins_KeyedLoadIC_Megamorphic [/usr/bin/node]
`;

test('names JIT code from the perf map, and adds up one function over its tiers', (t) => {
  const costs = parseAnnotate(report(1), jitNamer(perfMap));
  t.is(costs.get('JS:processTicksAndRejections node:internal/process/task_queues:72:35'), 400);
  t.is(costs.get('JS:sendSuccess file:///app/main.mjs:1:1'), 50);
  t.is(costs.get('JIT code, unnamed'), 20);
  t.is(costs.get('Builtins_KeyedLoadIC_Megamorphic'), 250);
  t.false([...costs.keys()].some((name) => name.includes('TOTALS')));
});

test('per request: the second run less the first, over the requests between, split three ways', (t) => {
  const nameOf = jitNamer(perfMap);
  const costs = perRequest(parseAnnotate(report(3), nameOf), parseAnnotate(report(5), nameOf), 2);
  t.is(costs.get('Builtins_KeyedLoadIC_Megamorphic'), 250);
  t.deepEqual(split(costs), { total: 1000, compile: 200, gc: 80, request: 720 });
});

test('sorts V8 internals into compile and gc, the rest into the request', (t) => {
  t.is(categoryOf('v8::internal::maglev::MaglevGraphBuilder::Build()'), 'compile');
  t.is(categoryOf('v8::internal::ConcurrentMarking::RunMajor(x)'), 'gc');
  t.is(categoryOf('Builtins_StringAdd_CheckNone'), 'request');
  t.is(categoryOf('JS:parse file:///app/main.mjs:9:1'), 'request');
});
