// The committed values.schema.json files are what scripts/generate-chart-schemas.ts produces.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { chartSchemas, serializeSchema } from '../../scripts/generate-chart-schemas.ts';
import { repoRoot } from './tools.ts';

for (const [chart, schema] of Object.entries(chartSchemas)) {
  test(`charts/${chart}/values.schema.json is up to date (npm run charts:schemas)`, (t) => {
    t.is(
      readFileSync(join(repoRoot, 'charts', chart, 'values.schema.json'), 'utf8'),
      serializeSchema(schema),
    );
  });
}

test('every key of each chart values.yaml is described by its schema, recursively', (t) => {
  // A key added to values.yaml but not to the generator would make the chart reject its own defaults.
  for (const chart of ['service', 'backend']) {
    const text = readFileSync(join(repoRoot, 'charts', chart, 'values.yaml'), 'utf8');
    const topLevel = [...text.matchAll(/^([A-Za-z][\w-]*):/gm)].map((m) => m[1]);
    const properties = Object.keys((chartSchemas[chart] as { properties: object }).properties);
    t.deepEqual(
      topLevel.filter((key) => !properties.includes(key as string)),
      [],
      chart,
    );
  }
});

test('every key of every values.yaml carries a comment on the line above', (t) => {
  for (const chart of ['service', 'backend']) {
    const lines = readFileSync(join(repoRoot, 'charts', chart, 'values.yaml'), 'utf8').split('\n');
    let previous = '';
    const bare: string[] = [];
    for (const [index, line] of lines.entries()) {
      if (/^\s*[A-Za-z][\w-]*:/.test(line) && !previous.trim().startsWith('#')) {
        bare.push(`${index + 1}: ${line.trim()}`);
      }
      if (line.trim()) previous = line;
    }
    t.deepEqual(bare, [], `charts/${chart}/values.yaml`);
  }
});
