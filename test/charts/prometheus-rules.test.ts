// The umbrella's optional PrometheusRule: rendered only when enabled and the API is there (or
// forced), and its rules pass `promtool check rules` and `promtool test rules`.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import test from 'ava';
import { stringify } from 'yaml';
import { databaseUrl, prometheusRuleApi } from './cases.ts';
import { type ChartWorkspace, createChartWorkspace, type Manifest, ofKind } from './helm.ts';
import { withTool } from './tools.ts';

const run = promisify(execFile);
const enabled = { global: { database: { url: databaseUrl } }, prometheusRule: { enabled: true } };

// promtool unit tests (rules are evaluated every minute over these series).
const at = 'namespace="backend"';
const http = (status: string) =>
  `http_request_duration_seconds_count{${at}, job="rel-user", route="/api/users/v1/users", status_code="${status}"}`;
const grpcHandled = (code: string) =>
  `grpc_server_handled_total{${at}, job="rel-point-headless", grpc_type="unary", grpc_service="point.PointServer", grpc_method="GetUserListPoints", grpc_code="${code}"}`;
const userPod = (pod: string) => `${at}, job="rel-user", pod="${pod}"`;
const backend = 'backend="10.0.0.7:50051"';
const unitTests = [
  {
    // A quarter of user's answers are 503: the HTTP error ratio fires, nothing else.
    interval: '1m',
    input_series: [
      { series: http('200'), values: '0+60x30' },
      { series: http('503'), values: '0+30x30' },
    ],
    alert_rule_test: [
      {
        eval_time: '25m',
        alertname: 'BackendHighErrorRatio',
        exp_alerts: [
          {
            exp_labels: { job: 'rel-user', severity: 'critical' },
            exp_annotations: { summary: 'rel-user answers more than 5% of requests with 5xx' },
          },
        ],
      },
      { eval_time: '25m', alertname: 'BackendTargetDown', exp_alerts: [] },
      { eval_time: '25m', alertname: 'BackendGrpcServerErrors', exp_alerts: [] },
    ],
  },
  {
    // point fails 10% of its calls with Unavailable: server errors.
    interval: '1m',
    input_series: [
      { series: grpcHandled('OK'), values: '0+80x30' },
      { series: grpcHandled('Unavailable'), values: '0+10x30' },
      { series: grpcHandled('InvalidArgument'), values: '0+10x30' },
    ],
    alert_rule_test: [
      {
        eval_time: '25m',
        alertname: 'BackendGrpcServerErrors',
        exp_alerts: [
          {
            exp_labels: { job: 'rel-point-headless', severity: 'critical' },
            exp_annotations: {
              summary:
                'rel-point-headless fails more than 5% of its gRPC calls with a server error',
            },
          },
        ],
      },
    ],
  },
  {
    // Half of the calls are InvalidArgument: the callers' fault, not point's.
    interval: '1m',
    input_series: [
      { series: grpcHandled('OK'), values: '0+50x30' },
      { series: grpcHandled('InvalidArgument'), values: '0+50x30' },
    ],
    alert_rule_test: [{ eval_time: '25m', alertname: 'BackendGrpcServerErrors', exp_alerts: [] }],
  },
  {
    // user-a keeps calling point with no READY connection; user-b is fine; user-c is idle.
    interval: '1m',
    input_series: [
      {
        series: `grpc_client_started_total{${userPod('user-a')}, grpc_method="GetUserListPoints"}`,
        values: '0+60x30',
      },
      {
        series: `point_pool_backend_connections{${userPod('user-a')}, ${backend}, state="TRANSIENT_FAILURE"}`,
        values: '2x30',
      },
      {
        series: `grpc_client_started_total{${userPod('user-b')}, grpc_method="GetUserListPoints"}`,
        values: '0+60x30',
      },
      {
        series: `point_pool_backend_connections{${userPod('user-b')}, ${backend}, state="READY"}`,
        values: '2x30',
      },
      {
        series: `grpc_client_started_total{${userPod('user-c')}, grpc_method="GetUserListPoints"}`,
        values: '0x30',
      },
      {
        series: `point_pool_backend_connections{${userPod('user-c')}, ${backend}, state="IDLE"}`,
        values: '2x30',
      },
    ],
    alert_rule_test: [
      {
        eval_time: '20m',
        alertname: 'BackendPointBackendsDown',
        exp_alerts: [
          {
            exp_labels: { namespace: 'backend', pod: 'user-a', severity: 'critical' },
            exp_annotations: {
              summary: 'user-a calls point but has no READY connection to any point pod',
            },
          },
        ],
      },
    ],
  },
  {
    // One department pod's event loop lags 0.8 s for 20 minutes; the other is at 10 ms.
    interval: '1m',
    input_series: [
      {
        series: `nodejs_eventloop_lag_p99_seconds{${at}, job="rel-department", pod="dep-a"}`,
        values: '0.8x30',
      },
      {
        series: `nodejs_eventloop_lag_p99_seconds{${at}, job="rel-department", pod="dep-b"}`,
        values: '0.01x30',
      },
    ],
    alert_rule_test: [
      { eval_time: '5m', alertname: 'BackendEventLoopLag', exp_alerts: [] },
      {
        eval_time: '20m',
        alertname: 'BackendEventLoopLag',
        exp_alerts: [
          {
            exp_labels: { job: 'rel-department', pod: 'dep-a', severity: 'warning' },
            exp_annotations: { summary: 'dep-a (rel-department) event-loop lag p99 is above 0.5s' },
          },
        ],
      },
    ],
  },
];

withTool(
  'helm',
  (helm) => {
    let workspace: ChartWorkspace;
    let rule: Manifest | undefined;
    test.before(async () => {
      workspace = await createChartWorkspace(helm);
      const manifests = await workspace.template('backend', {
        values: enabled,
        apiVersions: [prometheusRuleApi],
      });
      rule = ofKind(manifests, 'PrometheusRule')[0];
    });
    test.after.always(() => workspace?.dispose());

    test('no PrometheusRule unless enabled, and none when enabled but the API is absent', async (t) => {
      const values = { global: { database: { url: databaseUrl } } };
      const count = async (extra: object, apiVersions: string[]) =>
        ofKind(
          await workspace.template('backend', { values: { ...values, ...extra }, apiVersions }),
          'PrometheusRule',
        ).length;
      t.is(await count({}, [prometheusRuleApi]), 0);
      t.is(await count({ prometheusRule: { enabled: true } }, []), 0);
      t.is(await count({ prometheusRule: { enabled: true, forceRender: true } }, []), 1);
      t.truthy(rule);
    });

    test("the alerts select this release's scrape jobs in its namespace", (t) => {
      const rules = rule?.spec.groups[0].rules as { alert: string; expr: string }[];
      t.deepEqual(
        rules.map((r) => r.alert),
        [
          'BackendTargetDown',
          'BackendHighErrorRatio',
          'BackendSlowRequests',
          'BackendGrpcServerErrors',
          'BackendPointBackendsDown',
          'BackendEventLoopLag',
        ],
      );
      for (const { alert, expr } of rules) {
        if (alert === 'BackendPointBackendsDown')
          t.regex(expr, /namespace="backend", job="rel-user"/);
        else t.regex(expr, /namespace="backend", job=~"rel-\(department\|user\|point-headless\)"/);
      }
    });

    withTool(
      'promtool',
      (promtool) => {
        test('promtool accepts the rules, and its unit tests fire each alert on its symptom only', async (t) => {
          const dir = mkdtempSync(join(tmpdir(), 'rules-'));
          try {
            writeFileSync(join(dir, 'rules.yaml'), stringify({ groups: rule?.spec.groups }));
            const check = await run(promtool, ['check', 'rules', join(dir, 'rules.yaml')]);
            t.regex(check.stdout, /SUCCESS: 6 rules found/);
            writeFileSync(
              join(dir, 'test.yaml'),
              stringify({
                rule_files: ['rules.yaml'],
                evaluation_interval: '1m',
                tests: unitTests,
              }),
            );
            const unit = await run(promtool, ['test', 'rules', join(dir, 'test.yaml')]);
            t.regex(unit.stdout, /SUCCESS/);
          } finally {
            rmSync(dir, { recursive: true, force: true });
          }
        });
      },
      test,
    );
  },
  test,
);
