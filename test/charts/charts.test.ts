// helm lint --strict and helm template of every chart over the values matrix; every rendered
// manifest validated against the Kubernetes 1.35 and Prometheus Operator schemas, offline.
import test from 'ava';
import {
  allCharts,
  type ChartName,
  casesFor,
  databaseUrl,
  type ValuesCase,
  valuesFor,
} from './cases.ts';
import { type ChartWorkspace, createChartWorkspace, type Manifest } from './helm.ts';
import { findUnknownFields } from './strict-fields.ts';
import { withTool } from './tools.ts';
import { validateManifests } from './validate.ts';

withTool(
  'helm',
  (helm) => {
    let workspace: ChartWorkspace;
    test.before(async () => {
      workspace = await createChartWorkspace(helm);
    });
    test.after.always(() => workspace?.dispose());

    // Each chart × case is rendered once; the per-case tests and the strict-fields test share it.
    const renders = new Map<string, Promise<Manifest[]>>();
    const render = (chart: ChartName, valuesCase: ValuesCase): Promise<Manifest[]> => {
      const key = `${chart} (${valuesCase.name})`;
      let manifests = renders.get(key);
      if (!manifests) {
        manifests = workspace.template(chart, {
          values: valuesFor(chart, valuesCase),
          apiVersions: valuesCase.apiVersions,
        });
        renders.set(key, manifests);
      }
      return manifests;
    };

    test('backend-lib (library chart): helm lint --strict passes', async (t) => {
      const { ok, output } = await workspace.lint('backend-lib');
      t.true(ok, output);
    });

    for (const chart of allCharts) {
      for (const valuesCase of casesFor(chart)) {
        const values = valuesFor(chart, valuesCase);
        test(`${chart} (${valuesCase.name}): helm lint --strict passes`, async (t) => {
          const { ok, output } = await workspace.lint(chart, values);
          t.true(ok, output);
        });
        test(`${chart} (${valuesCase.name}): every rendered manifest is valid against its schema`, async (t) => {
          const manifests = await render(chart, valuesCase);
          t.true(manifests.length > 0);
          t.deepEqual(await validateManifests(manifests), []);
        });
      }
    }

    test('no rendered manifest, in any case, has a field unknown to its schema (like kubeconform -strict)', async (t) => {
      const rendered: { label: string; manifest: Manifest }[] = [];
      for (const chart of allCharts) {
        for (const valuesCase of casesFor(chart)) {
          for (const manifest of await render(chart, valuesCase)) {
            rendered.push({ label: `${chart} (${valuesCase.name})`, manifest });
          }
        }
      }
      t.true(rendered.length > 100, `only ${rendered.length} manifests rendered`);
      t.deepEqual(await findUnknownFields(rendered), []);
    });

    test('a misspelt value is rejected by values.schema.json', async (t) => {
      const error = await t.throwsAsync(
        workspace.template('department', {
          values: { database: { url: databaseUrl }, replicaCont: 3 },
        }),
      );
      t.regex(error?.message ?? '', /additional properties 'replicaCont' not allowed/);
      const nested = await t.throwsAsync(
        workspace.template('backend', {
          values: {
            global: { database: { url: databaseUrl } },
            user: { pointClient: { deadlinMs: 1 } },
          },
        }),
      );
      t.regex(nested?.message ?? '', /deadlinMs/);
    });

    test('rendering without any database configuration fails and says what to set', async (t) => {
      const error = await t.throwsAsync(workspace.template('backend'));
      t.regex(error?.message ?? '', /no database configured: set database.existingSecret/);
    });
  },
  test,
);
