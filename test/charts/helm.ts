// Runs helm on a private copy of charts/ (so parallel test files never race on the vendored
// dependencies) and parses what it renders.
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { repoRoot } from './tools.ts';

const run = promisify(execFile);

export type Manifest = {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  // biome-ignore lint/suspicious/noExplicitAny: rendered Kubernetes objects are inspected field by field
  spec?: any;
  // biome-ignore lint/suspicious/noExplicitAny: idem
  [key: string]: any;
};

export type RenderOptions = {
  values?: object;
  apiVersions?: string[];
  release?: string;
  namespace?: string;
};

export const kubeVersion = '1.35.0';

export type ChartWorkspace = {
  chartDir(chart: string): string;
  template(chart: string, options?: RenderOptions): Promise<Manifest[]>;
  lint(chart: string, values?: object): Promise<{ ok: boolean; output: string }>;
  dispose(): void;
};

export async function createChartWorkspace(helm: string): Promise<ChartWorkspace> {
  const dir = mkdtempSync(join(tmpdir(), 'charts-'));
  cpSync(join(repoRoot, 'charts'), join(dir, 'charts'), {
    recursive: true,
    filter: (source) =>
      !/[/\\]charts[/\\][^/\\]+[/\\]charts([/\\]|$)/.test(source.slice(repoRoot.length)),
  });
  cpSync(
    join(repoRoot, 'scripts', 'build-chart-dependencies.sh'),
    join(dir, 'scripts', 'build-chart-dependencies.sh'),
  );
  await run('bash', [join(dir, 'scripts', 'build-chart-dependencies.sh')], {
    env: { ...process.env, HELM: helm },
  });
  let counter = 0;
  const valuesFile = (values: object): string => {
    const file = join(dir, `values-${counter++}.json`);
    writeFileSync(file, JSON.stringify(values)); // JSON is YAML
    return file;
  };
  // A chart name is one of charts/; an absolute path is used as it is (charts without dependencies).
  const chartDir = (chart: string): string =>
    isAbsolute(chart) ? chart : join(dir, 'charts', chart);
  return {
    chartDir,
    async template(
      chart,
      { values = {}, apiVersions = [], release = 'rel', namespace = 'backend' } = {},
    ) {
      const args = [
        'template',
        release,
        chartDir(chart),
        '--namespace',
        namespace,
        '--kube-version',
        kubeVersion,
      ];
      for (const api of apiVersions) args.push('--api-versions', api);
      args.push('--values', valuesFile(values));
      const { stdout } = await run(helm, args, { maxBuffer: 64 * 1024 * 1024 });
      return parseManifests(stdout);
    },
    async lint(chart, values = {}) {
      try {
        const { stdout, stderr } = await run(helm, [
          'lint',
          '--strict',
          chartDir(chart),
          '--values',
          valuesFile(values),
        ]);
        return { ok: true, output: stdout + stderr };
      } catch (error) {
        const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
        return { ok: false, output: stdout + stderr };
      }
    },
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export function parseManifests(text: string): Manifest[] {
  const manifests: Manifest[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0)
      throw new Error(`rendered YAML does not parse: ${doc.errors[0]?.message}`);
    const value = doc.toJS() as Manifest | null;
    if (value !== null) manifests.push(value);
  }
  return manifests;
}

export const find = (manifests: Manifest[], kind: string, name: string): Manifest | undefined =>
  manifests.find((m) => m.kind === kind && m.metadata.name === name);

export const ofKind = (manifests: Manifest[], kind: string): Manifest[] =>
  manifests.filter((m) => m.kind === kind);
