// helm lint --strict and helm template of the umbrella chart over the values matrix; every
// rendered manifest validated against the Kubernetes 1.35, Prometheus Operator and Gateway API
// schemas, offline.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { parse } from 'yaml';
import {
  databaseUrl,
  deepMerge,
  httpRouteApi,
  type ValuesCase,
  valuesCases,
  valuesFor,
} from './cases.ts';
import { type ChartWorkspace, createChartWorkspace, type Manifest } from './helm.ts';
import { findUnknownFields } from './strict-fields.ts';
import { repoRoot, withTool } from './tools.ts';
import { validateManifests } from './validate.ts';

withTool(
  'helm',
  (helm) => {
    let workspace: ChartWorkspace;
    test.before(async () => {
      workspace = await createChartWorkspace(helm);
    });
    test.after.always(() => workspace?.dispose());

    // Each case is rendered once; the per-case tests and the strict-fields test share it.
    const renders = new Map<string, Promise<Manifest[]>>();
    const render = (valuesCase: ValuesCase): Promise<Manifest[]> => {
      let manifests = renders.get(valuesCase.name);
      if (!manifests) {
        manifests = workspace.template('backend', {
          values: valuesFor(valuesCase),
          apiVersions: valuesCase.apiVersions,
        });
        renders.set(valuesCase.name, manifests);
      }
      return manifests;
    };

    for (const valuesCase of valuesCases) {
      test(`backend (${valuesCase.name}): helm lint --strict passes`, async (t) => {
        const { ok, output } = await workspace.lint('backend', valuesFor(valuesCase));
        t.true(ok, output);
      });
      test(`backend (${valuesCase.name}): every rendered manifest is valid against its schema`, async (t) => {
        const manifests = await render(valuesCase);
        t.true(manifests.length > 0);
        t.deepEqual(await validateManifests(manifests), []);
      });
    }

    test('no rendered manifest, in any case, has a field unknown to its schema (like kubeconform -strict)', async (t) => {
      const rendered: { label: string; manifest: Manifest }[] = [];
      for (const valuesCase of valuesCases) {
        for (const manifest of await render(valuesCase)) {
          rendered.push({ label: `backend (${valuesCase.name})`, manifest });
        }
      }
      t.true(rendered.length > 100, `only ${rendered.length} manifests rendered`);
      t.deepEqual(await findUnknownFields(rendered), []);
    });

    const devValues = (file: string) => parse(readFileSync(join(repoRoot, 'dev', file), 'utf8'));
    const merge = (...layers: object[]): object => deepMerge(layers);
    for (const files of [['values.yaml'], ['values.yaml', 'values-mysql.yaml']]) {
      test(`skaffold's dev values (dev/${files.join(' + dev/')}) lint and render valid manifests`, async (t) => {
        const values = merge(...files.map(devValues));
        const { ok, output } = await workspace.lint('backend', values);
        t.true(ok, output);
        const manifests = await workspace.template('backend', {
          values,
          apiVersions: [httpRouteApi],
        });
        t.is(manifests.filter((m) => m.kind === 'HTTPRoute').length, 1);
        t.deepEqual(await validateManifests(manifests), []);
        t.deepEqual(
          await findUnknownFields(
            manifests.map((manifest) => ({ label: files.join('+'), manifest })),
          ),
          [],
        );
      });
    }

    test('the dev Gateway chart (dev/gateway) lints and renders a valid Gateway', async (t) => {
      const chart = join(repoRoot, 'dev', 'gateway');
      const { ok, output } = await workspace.lint(chart, {});
      t.true(ok, output);
      const manifests = await workspace.template(chart, {});
      t.deepEqual(
        manifests.map((m) => m.kind),
        ['Gateway'],
      );
      t.deepEqual(await validateManifests(manifests), []);
      const gateway = devValues('values.yaml').httpRoute.parentRefs[0].name;
      t.is(manifests[0]?.metadata?.name, gateway, "dev/values.yaml's route attaches to it");
    });

    test('the dev trace backend (dev/tracing) lints and renders valid manifests, where dev/values.yaml sends spans', async (t) => {
      const chart = join(repoRoot, 'dev', 'tracing');
      const { ok, output } = await workspace.lint(chart, {});
      t.true(ok, output);
      const manifests = await workspace.template(chart, {});
      t.deepEqual(manifests.map((m) => m.kind).sort(), ['Deployment', 'Service']);
      t.deepEqual(await validateManifests(manifests), []);
      const service = manifests.find((m) => m.kind === 'Service');
      const otlp = service?.spec.ports.find((p: { name: string }) => p.name === 'otlp-http');
      t.is(
        devValues('values.yaml').global.tracing.endpoint,
        `http://${service?.metadata.name}:${otlp?.port}`,
      );
    });

    for (const engine of ['postgres', 'mysql']) {
      test(`the dev database chart (dev/database, ${engine}) lints and renders valid manifests`, async (t) => {
        const chart = join(repoRoot, 'dev', 'database');
        const { ok, output } = await workspace.lint(chart, { engine });
        t.true(ok, output);
        const manifests = await workspace.template(chart, { values: { engine } });
        t.deepEqual(manifests.map((m) => m.kind).sort(), ['Deployment', 'Service']);
        t.deepEqual(await validateManifests(manifests), []);
      });
    }

    test('a misspelt value, or a key set on the wrong service, is rejected by values.schema.json', async (t) => {
      const error = await t.throwsAsync(
        workspace.template('backend', {
          values: { global: { database: { url: databaseUrl } }, department: { replicaCont: 3 } },
        }),
      );
      t.regex(error?.message ?? '', /additional properties 'replicaCont' not allowed/);
      const misplaced = await t.throwsAsync(
        workspace.template('backend', {
          values: { global: { database: { url: databaseUrl } }, point: { pointClient: {} } },
        }),
      );
      t.regex(misplaced?.message ?? '', /additional properties 'pointClient' not allowed/);
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
      t.regex(error?.message ?? '', /no database configured: set global.database.existingSecret/);
    });

    test('charts/service alone refuses to render: it runs as department, user or point of charts/backend', async (t) => {
      const error = await t.throwsAsync(
        workspace.template('service', { values: { global: { database: { url: databaseUrl } } } }),
      );
      t.regex(error?.message ?? '', /charts\/service runs as department, user or point/);
    });
  },
  test,
);
