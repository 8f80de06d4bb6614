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
        ['BackendTargetDown', 'BackendHighErrorRatio', 'BackendSlowRequests'],
      );
      for (const { expr } of rules) {
        t.regex(expr, /namespace="backend", job=~"rel-\(department\|user\|point-headless\)"/);
      }
    });

    withTool(
      'promtool',
      (promtool) => {
        test('promtool accepts the rules, and a 5xx burst on user fires BackendHighErrorRatio', async (t) => {
          const dir = mkdtempSync(join(tmpdir(), 'rules-'));
          try {
            writeFileSync(join(dir, 'rules.yaml'), stringify({ groups: rule?.spec.groups }));
            const check = await run(promtool, ['check', 'rules', join(dir, 'rules.yaml')]);
            t.regex(check.stdout, /SUCCESS: 3 rules found/);
            const series = (status: string) =>
              `http_request_duration_seconds_count{namespace="backend", job="rel-user", route="/api/users/v1/users", status_code="${status}"}`;
            writeFileSync(
              join(dir, 'test.yaml'),
              stringify({
                rule_files: ['rules.yaml'],
                evaluation_interval: '1m',
                tests: [
                  {
                    interval: '1m',
                    input_series: [
                      { series: series('200'), values: '0+60x30' },
                      { series: series('503'), values: '0+30x30' },
                    ],
                    alert_rule_test: [
                      {
                        eval_time: '25m',
                        alertname: 'BackendHighErrorRatio',
                        exp_alerts: [
                          {
                            exp_labels: { job: 'rel-user', severity: 'critical' },
                            exp_annotations: {
                              summary: 'rel-user answers more than 5% of requests with 5xx',
                            },
                          },
                        ],
                      },
                      { eval_time: '25m', alertname: 'BackendTargetDown', exp_alerts: [] },
                    ],
                  },
                ],
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
