// Writes charts/backend/dashboards/backend.json, the Grafana dashboard the umbrella chart ships
// as a ConfigMap for Grafana's dashboard sidecar. Panels are described here once, so tests can
// run every query against a real Prometheus (test/prometheus.test.ts).
// Run: node scripts/generate-dashboard.ts   (test/charts/dashboard.test.ts checks it is fresh)
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export type PanelTarget = { expr: string; legend: string };
export type Panel = { title: string; unit: string; targets: PanelTarget[]; description: string };
export type Row = { title: string; panels: Panel[] };

// Every query is scoped by the dashboard's variables.
const scope = 'namespace="$namespace", job=~"$job"';
const rate = (metric: string, extra = '') =>
  `rate(${metric}{${scope}${extra ? `, ${extra}` : ''}}[$__rate_interval])`;
const api = 'route!~"/(livez|readyz|metrics)"';
const quantile = (q: number, metric: string, by: string, extra = '') =>
  `histogram_quantile(${q}, sum by (${by}, le) (${rate(`${metric}_bucket`, extra)}))`;

export const rows: Row[] = [
  {
    title: 'HTTP: rate, errors, duration per service and route',
    panels: [
      {
        title: 'Requests per second',
        description:
          'By scrape job (service) and matched route template; probes and /metrics left out.',
        unit: 'reqps',
        targets: [
          {
            expr: `sum by (job, route) (${rate('http_request_duration_seconds_count', api)})`,
            legend: '{{job}} {{route}}',
          },
        ],
      },
      {
        title: 'Errors: share of 5xx answers',
        description: 'Requests answered 5xx over all requests, by service and route.',
        unit: 'percentunit',
        targets: [
          {
            expr: `sum by (job, route) (${rate('http_request_duration_seconds_count', `${api}, status_code=~"5.."`)}) / sum by (job, route) (${rate('http_request_duration_seconds_count', api)})`,
            legend: '{{job}} {{route}}',
          },
        ],
      },
      {
        title: 'Duration p50 and p99',
        description: 'Request latency quantiles from the http_request_duration_seconds histogram.',
        unit: 's',
        targets: [
          {
            expr: quantile(0.99, 'http_request_duration_seconds', 'job, route', api),
            legend: 'p99 {{job}} {{route}}',
          },
          {
            expr: quantile(0.5, 'http_request_duration_seconds', 'job, route', api),
            legend: 'p50 {{job}} {{route}}',
          },
        ],
      },
    ],
  },
  {
    title: 'gRPC: point (server) and user (client) per method and code',
    panels: [
      {
        title: 'Server RPCs per second (point)',
        description: 'grpc_server_handled_total by method and status code.',
        unit: 'reqps',
        targets: [
          {
            expr: `sum by (grpc_method, grpc_code) (${rate('grpc_server_handled_total')})`,
            legend: '{{grpc_method}} {{grpc_code}}',
          },
        ],
      },
      {
        title: 'Server handling time p99 (point)',
        description: 'grpc_server_handling_seconds by method.',
        unit: 's',
        targets: [
          {
            expr: quantile(0.99, 'grpc_server_handling_seconds', 'grpc_method'),
            legend: 'p99 {{grpc_method}}',
          },
        ],
      },
      {
        title: 'Client RPCs per second (user → point)',
        description:
          'grpc_client_handled_total by method and status code; one per logical call, retries included.',
        unit: 'reqps',
        targets: [
          {
            expr: `sum by (grpc_method, grpc_code) (${rate('grpc_client_handled_total')})`,
            legend: '{{grpc_method}} {{grpc_code}}',
          },
        ],
      },
      {
        title: 'Client call time p99 (user → point)',
        description:
          'grpc_client_handling_seconds by method: what user waits for point, retries included.',
        unit: 's',
        targets: [
          {
            expr: quantile(0.99, 'grpc_client_handling_seconds', 'grpc_method'),
            legend: 'p99 {{grpc_method}}',
          },
        ],
      },
    ],
  },
  {
    title: 'Node.js runtime per instance',
    panels: [
      {
        title: 'Event-loop lag p99',
        description:
          'How late timers fire: a busy or blocked event loop (a heap snapshot blocks it too).',
        unit: 's',
        targets: [
          {
            expr: `max by (job, instance) (nodejs_eventloop_lag_p99_seconds{${scope}})`,
            legend: '{{job}} {{instance}}',
          },
        ],
      },
      {
        title: 'Heap used and resident memory',
        description:
          'V8 heap in use, and the whole process; a heap snapshot needs about the heap again.',
        unit: 'bytes',
        targets: [
          {
            expr: `sum by (job, instance) (nodejs_heap_size_used_bytes{${scope}})`,
            legend: 'heap {{job}} {{instance}}',
          },
          {
            expr: `sum by (job, instance) (process_resident_memory_bytes{${scope}})`,
            legend: 'rss {{job}} {{instance}}',
          },
        ],
      },
      {
        title: 'Time in garbage collection',
        description: 'Seconds of GC per second, by instance.',
        unit: 'percentunit',
        targets: [
          {
            expr: `sum by (job, instance) (${rate('nodejs_gc_duration_seconds_sum')})`,
            legend: '{{job}} {{instance}}',
          },
        ],
      },
    ],
  },
  {
    title: 'Database',
    panels: [
      {
        title: 'Queries per second',
        description:
          'Round trips by operation and outcome; readiness pings are the operation "ping".',
        unit: 'reqps',
        targets: [
          {
            expr: `sum by (job, operation, outcome) (${rate('db_queries_total')})`,
            legend: '{{job}} {{operation}} {{outcome}}',
          },
        ],
      },
      {
        title: 'Query time p99',
        description: 'db_query_duration_seconds by operation (millisecond resolution).',
        unit: 's',
        targets: [
          {
            expr: quantile(0.99, 'db_query_duration_seconds', 'job, operation'),
            legend: 'p99 {{job}} {{operation}}',
          },
        ],
      },
      {
        title: 'Pool connections and waiting requests',
        description: 'PostgreSQL and MySQL pools (the embedded SQLite has no pool).',
        unit: 'short',
        targets: [
          {
            expr: `sum by (job, state) (db_pool_connections{${scope}})`,
            legend: '{{job}} {{state}}',
          },
          {
            expr: `sum by (job) (db_pool_waiting_requests{${scope}})`,
            legend: '{{job}} waiting',
          },
        ],
      },
    ],
  },
  {
    title: 'Point pool (user → point backends)',
    panels: [
      {
        title: 'Connections per backend and state',
        description: 'From grpc-js channelz: every point pod should have READY connections.',
        unit: 'short',
        targets: [
          {
            expr: `sum by (backend, state) (point_pool_backend_connections{${scope}})`,
            legend: '{{backend}} {{state}}',
          },
        ],
      },
      {
        title: 'Calls per second per backend',
        description: 'How evenly the pool spreads calls, and which backend fails them.',
        unit: 'reqps',
        targets: [
          {
            expr: `sum by (backend, outcome) (${rate('point_pool_backend_calls_total')})`,
            legend: '{{backend}} {{outcome}}',
          },
        ],
      },
    ],
  },
];

const datasource = { type: 'prometheus', uid: '$datasource' };

function variable(name: string, label: string, query: string, multi: boolean) {
  return {
    name,
    label,
    type: 'query',
    datasource,
    query: { query, refId: name },
    definition: query,
    refresh: 2,
    sort: 1,
    ...(multi ? { multi: true, includeAll: true, allValue: '.*' } : {}),
  };
}

export function buildDashboard() {
  const panels: object[] = [];
  let id = 1;
  let y = 0;
  for (const row of rows) {
    panels.push({
      id: id++,
      type: 'row',
      title: row.title,
      collapsed: false,
      gridPos: { h: 1, w: 24, x: 0, y },
    });
    y += 1;
    const width = 24 / row.panels.length;
    row.panels.forEach((panel, index) => {
      panels.push({
        id: id++,
        type: 'timeseries',
        title: panel.title,
        description: panel.description,
        datasource,
        gridPos: { h: 8, w: width, x: index * width, y },
        fieldConfig: { defaults: { unit: panel.unit }, overrides: [] },
        options: {
          legend: { displayMode: 'table', placement: 'bottom', calcs: ['lastNotNull', 'max'] },
        },
        targets: panel.targets.map((target, n) => ({
          datasource,
          refId: String.fromCharCode(65 + n),
          expr: target.expr,
          legendFormat: target.legend,
        })),
      });
    });
    y += 8;
  }
  return {
    uid: 'backend-microservices',
    title: 'Backend: department, user, point',
    description:
      'RED per service and route, gRPC per method and code, runtime, database, point pool.',
    tags: ['backend', 'nodejs', 'grpc'],
    editable: true,
    schemaVersion: 39,
    version: 1,
    time: { from: 'now-1h', to: 'now' },
    refresh: '30s',
    timezone: 'browser',
    templating: {
      list: [
        { name: 'datasource', label: 'Data source', type: 'datasource', query: 'prometheus' },
        variable(
          'namespace',
          'Namespace',
          'label_values(http_request_duration_seconds_count, namespace)',
          false,
        ),
        variable(
          'job',
          'Service',
          'label_values(http_request_duration_seconds_count{namespace="$namespace"}, job)',
          true,
        ),
      ],
    },
    panels,
  };
}

export const dashboardPath = join(
  import.meta.dirname,
  '..',
  'charts',
  'backend',
  'dashboards',
  'backend.json',
);
export const serializeDashboard = () => `${JSON.stringify(buildDashboard(), null, 2)}\n`;

if (import.meta.main) writeFileSync(dashboardPath, serializeDashboard());
