// One Prometheus registry per service instance, with the process metrics prom-client offers.
import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';

export type Metrics = {
  registry: Registry;
  /** By method, matched route template and status code, in that order. */
  httpRequestDuration: Histogram<'method' | 'route' | 'status_code'>;
};

const redundantTotals = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];

export const latencyBuckets = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export function createMetrics(service: string): Metrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  // Gauges named like counters, which promtool rejects; each has a labelled sibling that stays.
  for (const name of redundantTotals) registry.removeSingleMetric(name);
  const httpRequestDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency by method, matched route template and status code.',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: latencyBuckets,
    registers: [registry],
  });
  return { registry, httpRequestDuration };
}
