// Renders the umbrella chart over the test values matrix (test/charts/cases.ts) into one YAML
// file per case, for validators that run outside the test suite (kubeconform in CI):
//   node scripts/render-chart-matrix.ts rendered/
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { valuesCases, valuesFor } from '../test/charts/cases.ts';
import { createChartWorkspace } from '../test/charts/helm.ts';
import { findTool } from '../test/charts/tools.ts';

const outDir = process.argv[2];
if (!outDir) {
  console.error('usage: node scripts/render-chart-matrix.ts <output directory>');
  process.exit(2);
}
const helm = findTool('helm');
if ('missing' in helm) {
  console.error(helm.missing);
  process.exit(1);
}
mkdirSync(outDir, { recursive: true });
const workspace = await createChartWorkspace(helm.path);
try {
  for (const valuesCase of valuesCases) {
    const manifests = await workspace.template('backend', {
      values: valuesFor(valuesCase),
      apiVersions: valuesCase.apiVersions,
    });
    const slug = valuesCase.name.replace(/[^a-z0-9]+/gi, '-').toLowerCase();
    const text = manifests.map((m) => stringify(m)).join('---\n');
    writeFileSync(join(outDir, `backend--${slug}.yaml`), text);
  }
} finally {
  workspace.dispose();
}
