// The Grafana dashboard the umbrella chart ships is what scripts/generate-dashboard.ts writes, and
// it covers what issue 5 asks of it. Its queries run against a real Prometheus in test/prometheus.test.ts.
import { readFileSync } from 'node:fs';
import test from 'ava';
import { dashboardPath, rows, serializeDashboard } from '../../scripts/generate-dashboard.ts';

test('charts/backend/dashboards/backend.json is fresh (npm run charts:dashboard)', (t) => {
  t.is(readFileSync(dashboardPath, 'utf8'), serializeDashboard());
});

test('panels cover RED per route, gRPC per method and code on both sides, event-loop lag, heap, database and the point pool', (t) => {
  const exprs = rows.flatMap((row) => row.panels.flatMap((p) => p.targets.map((x) => x.expr)));
  const uses = (pattern: RegExp) => exprs.some((expr) => pattern.test(expr));
  t.true(uses(/sum by \(job, route\) \(rate\(http_request_duration_seconds_count/));
  t.true(uses(/status_code=~"5\.\."/));
  t.true(uses(/http_request_duration_seconds_bucket/));
  t.true(uses(/sum by \(grpc_method, grpc_code\) \(rate\(grpc_server_handled_total/));
  t.true(uses(/sum by \(grpc_method, grpc_code\) \(rate\(grpc_client_handled_total/));
  t.true(uses(/grpc_server_handling_seconds_bucket/));
  t.true(uses(/grpc_client_handling_seconds_bucket/));
  t.true(uses(/nodejs_eventloop_lag_p99_seconds/));
  t.true(uses(/nodejs_heap_size_used_bytes/));
  t.true(uses(/db_queries_total/) && uses(/db_query_duration_seconds_bucket/));
  t.true(uses(/db_pool_connections/));
  t.true(uses(/point_pool_backend_connections/) && uses(/point_pool_backend_calls_total/));
  for (const expr of exprs) t.regex(expr, /namespace="\$namespace", job=~"\$job"/, expr);
});
