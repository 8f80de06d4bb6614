// The labelled families write what prom-client's own Counter and Histogram write for the same
// records, through the same registry.
import test from 'ava';
import { Counter, Histogram, Registry } from 'prom-client';
import { createCounterFamily, createHistogramFamily } from './labelled-metrics.ts';
import { parseMetrics } from './testing/metrics.ts';

const buckets = [0.001, 0.005, 0.01, 0.1];

/** Samples as sorted, comparable lines: label order is not part of the format's meaning. */
async function samplesOf(registry: Registry): Promise<string[]> {
  return parseMetrics(await registry.metrics())
    .map(({ name, labels, value }) => {
      const sorted = Object.entries(labels).sort(([a], [b]) => a.localeCompare(b));
      return `${name}${JSON.stringify(sorted)} ${value}`;
    })
    .sort();
}

function registryFor(service: string) {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  return registry;
}

test('a histogram family writes the same samples as prom-client for the same observations', async (t) => {
  const ours = registryFor('a');
  const family = createHistogramFamily({
    name: 'latency_seconds',
    help: 'Latency.',
    labelNames: ['method', 'route'],
    buckets,
    registry: ours,
  });
  const theirs = registryFor('a');
  const reference = new Histogram({
    name: 'latency_seconds',
    help: 'Latency.',
    labelNames: ['method', 'route'],
    buckets,
    registers: [theirs],
  });
  const observations: [string, string, number][] = [
    ['GET', '/a', 0.0004],
    ['GET', '/a', 0.001], // on a bound: counted in it
    ['GET', '/a', 0.05],
    ['GET', '/a', 7], // above every bound: only in +Inf
    ['POST', '/a', 0.002],
    ['GET', '/b "quoted"\n', 0.1],
  ];
  for (const [method, route, value] of observations) {
    family.series(method, route).observe(value);
    reference.observe({ method, route }, value);
  }
  t.deepEqual(await samplesOf(ours), await samplesOf(theirs));
  t.regex(
    await ours.metrics(),
    /^# HELP latency_seconds Latency\.\n# TYPE latency_seconds histogram\n/,
  );
});

test('a counter family writes the same samples as prom-client for the same increments', async (t) => {
  const ours = registryFor('b');
  const family = createCounterFamily({
    name: 'calls_total',
    help: 'Calls.',
    labelNames: ['operation', 'outcome'],
    registry: ours,
  });
  const theirs = registryFor('b');
  const reference = new Counter({
    name: 'calls_total',
    help: 'Calls.',
    labelNames: ['operation', 'outcome'],
    registers: [theirs],
  });
  family.series('select', 'ok').inc();
  family.series('select', 'ok').inc(2);
  family.series('select', 'error').inc(0); // made at zero: exposed before the first error
  reference.inc({ operation: 'select', outcome: 'ok' });
  reference.inc({ operation: 'select', outcome: 'ok' }, 2);
  reference.inc({ operation: 'select', outcome: 'error' }, 0);
  t.deepEqual(await samplesOf(ours), await samplesOf(theirs));
  t.regex(await ours.metrics(), /# TYPE calls_total counter\n/);
});

test('the same label values give the same series; values are matched by position', (t) => {
  const family = createCounterFamily({
    name: 'c_total',
    help: 'C.',
    labelNames: ['x', 'y'],
    registry: new Registry(),
  });
  t.is(family.series('1', '2'), family.series('1', '2'));
  t.not(family.series('1', '2'), family.series('2', '1'));
});

test('a series ignores what would corrupt it, resets to zero; a wrong number of label values throws', async (t) => {
  const registry = new Registry();
  const histogram = createHistogramFamily({
    name: 'h_seconds',
    help: 'H.',
    labelNames: ['x'],
    buckets: [2, 1], // sorted by the family
    registry,
  });
  const counter = createCounterFamily({ name: 'c_total', help: 'C.', labelNames: ['x'], registry });
  histogram.series('a').observe(Number.NaN);
  histogram.series('a').observe(Number.POSITIVE_INFINITY);
  histogram.series('a').observe(0.5);
  histogram.series('a').observe(1.5);
  counter.series('a').inc(-1);
  counter.series('a').inc(Number.NaN);
  counter.series('a').inc();
  const samples = parseMetrics(await registry.metrics());
  const value = (name: string) => samples.find((s) => s.name === name)?.value;
  t.is(value('h_seconds_count'), 2);
  t.is(value('h_seconds_sum'), 2);
  t.is(value('c_total'), 1);
  t.deepEqual(
    samples.filter((s) => s.name === 'h_seconds_bucket').map((s) => [s.labels.le, s.value]),
    [
      ['1', 1],
      ['2', 2],
      ['+Inf', 2],
    ],
  );
  registry.resetMetrics();
  const reset = parseMetrics(await registry.metrics());
  t.true(reset.length === samples.length && reset.every((sample) => sample.value === 0));
  t.throws(() => histogram.series('a', 'b'), {
    message: 'h_seconds: expected 1 label values, given 2',
  });
  t.throws(
    () => createCounterFamily({ name: 'c_total', help: 'C.', labelNames: ['x'], registry }),
    {
      message: /already been registered/,
    },
  );
});
