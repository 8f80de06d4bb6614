// Counters and histograms for the per-request paths. prom-client's own resolve the labels on
// every call (a labels object, validated, then joined into a string key for a property lookup),
// about 4k instructions per observation, five or more per request. These resolve a label set
// once, through a tree of Maps keyed by the values, to a series that records with one call.
// They register with the service's prom-client registry, which still writes /metrics (default
// labels, escaping, the text format).
import type { Metric, Registry } from 'prom-client';

export type CounterSeries = { inc(by?: number): void };
export type HistogramSeries = { observe(value: number): void };

/** A metric family: the series of one label set, label values in `labelNames` order. */
export type Family<Series> = { series(...values: string[]): Series };

export type FamilyOptions<Label extends string> = {
  name: string;
  help: string;
  labelNames: readonly [Label, ...Label[]];
  registry: Registry;
};

type Labels = Record<string, string>;
/** What prom-client's registry formats: one line of the text format each. */
type Sample = { labels: Record<string, string | number>; value: number; metricName?: string };
type Samples = (labels: Labels) => Sample[];

function createFamily<Series>(
  { name, help, labelNames, registry }: FamilyOptions<string>,
  type: 'counter' | 'histogram',
  create: () => { series: Series; samples: Samples; reset: () => void },
): Family<Series> {
  type Node = Map<string, Node | Series>;
  const root: Node = new Map();
  const made: { labels: Labels; samples: Samples; reset: () => void }[] = [];
  const last = labelNames.length - 1;
  const metric = {
    name,
    help,
    type,
    aggregator: 'sum',
    get: async () => ({
      name,
      help,
      type,
      aggregator: 'sum',
      values: made.flatMap(({ labels, samples }) => samples(labels)),
    }),
    // Registry.resetMetrics(): every series back to zero, still exposed.
    reset: () => {
      for (const { reset } of made) reset();
    },
  };
  registry.registerMetric(metric as unknown as Metric);
  return {
    series(...values) {
      if (values.length !== labelNames.length) {
        throw new Error(
          `${name}: expected ${labelNames.length} label values, given ${values.length}`,
        );
      }
      let node = root;
      for (let i = 0; i < last; i++) {
        const value = values[i] as string;
        let next = node.get(value) as Node | undefined;
        if (next === undefined) {
          next = new Map();
          node.set(value, next);
        }
        node = next;
      }
      let series = node.get(values[last] as string) as Series | undefined;
      if (series === undefined) {
        const created = create();
        series = created.series;
        node.set(values[last] as string, series);
        const labels: Labels = Object.fromEntries(
          labelNames.map((label, i) => [label, values[i] as string]),
        );
        made.push({ labels, samples: created.samples, reset: created.reset });
      }
      return series;
    },
  };
}

/** A counter family; a series' `inc` ignores negative and non-finite amounts. */
export function createCounterFamily<Label extends string>(
  options: FamilyOptions<Label>,
): Family<CounterSeries> {
  return createFamily(options, 'counter', () => {
    let total = 0;
    return {
      series: {
        inc(by = 1) {
          if (by >= 0 && by !== Number.POSITIVE_INFINITY) total += by;
        },
      },
      samples: (labels) => [{ labels, value: total }],
      reset: () => {
        total = 0;
      },
    };
  });
}

/** A histogram family with fixed upper bounds; a series' `observe` ignores non-finite values. */
export function createHistogramFamily<Label extends string>(
  options: FamilyOptions<Label> & { buckets: readonly number[] },
): Family<HistogramSeries> {
  const bounds = [...options.buckets].sort((a, b) => a - b);
  const bucket = `${options.name}_bucket`;
  return createFamily(options, 'histogram', () => {
    const counts = new Array<number>(bounds.length + 1).fill(0); // the last: above every bound
    let sum = 0;
    let count = 0;
    return {
      series: {
        observe(value) {
          if (!Number.isFinite(value)) return;
          let i = 0;
          while (i < bounds.length && value > (bounds[i] as number)) i++;
          counts[i] = (counts[i] as number) + 1;
          sum += value;
          count++;
        },
      },
      samples(labels) {
        let cumulative = 0;
        const samples: Sample[] = bounds.map((le, i) => {
          cumulative += counts[i] as number;
          return { labels: { ...labels, le }, value: cumulative, metricName: bucket };
        });
        samples.push(
          { labels: { ...labels, le: '+Inf' }, value: count, metricName: bucket },
          { labels, value: sum, metricName: `${options.name}_sum` },
          { labels, value: count, metricName: `${options.name}_count` },
        );
        return samples;
      },
      reset() {
        counts.fill(0);
        sum = 0;
        count = 0;
      },
    };
  });
}
