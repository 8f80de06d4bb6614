// Rejects unknown fields (a typo such as `readinesProbe` that the API server would drop or
// refuse) the way `kubeconform -strict` does. The compiled validators in validate.ts accept
// extra properties, so each manifest is written as an object literal typed with the
// kubernetes-models interface and type-checked by tsc: excess-property checks then name every
// field that the Kubernetes (or Prometheus Operator) schema does not have.
import { execFile } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Manifest } from './helm.ts';
import { repoRoot } from './tools.ts';
import { modelModule } from './validate.ts';

const run = promisify(execFile);

export async function findUnknownFields(
  labelled: { label: string; manifest: Manifest }[],
): Promise<string[]> {
  // Inside the repository so that the type imports resolve from its node_modules.
  const dir = join(repoRoot, '.tools', `strict-fields-${process.pid}-${Date.now()}`);
  mkdirSync(dir, { recursive: true });
  const lines: string[] = [];
  const owners: string[] = []; // line number (0-based) → label of the manifest on it
  const push = (line: string, owner: string) => {
    lines.push(line);
    owners.push(owner);
  };
  labelled.forEach(({ label, manifest }, i) => {
    const module = modelModule(manifest.apiVersion, manifest.kind);
    const owner = `${label}: ${manifest.kind}/${manifest.metadata.name}`;
    push(`import type { I${manifest.kind} as T${i} } from '${module}';`, owner);
    for (const line of `export const m${i}: T${i} = ${JSON.stringify(manifest, null, 1)};`.split(
      '\n',
    )) {
      push(line, owner);
    }
  });
  writeFileSync(join(dir, 'manifests.ts'), `${lines.join('\n')}\n`);
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        strict: true,
        noEmit: true,
        module: 'nodenext',
        moduleResolution: 'nodenext',
        skipLibCheck: true,
        types: [],
      },
      files: ['manifests.ts'],
    }),
  );
  try {
    await run(join(repoRoot, 'node_modules', '.bin', 'tsc'), ['-p', dir], {
      maxBuffer: 16 * 1024 * 1024,
    });
    return [];
  } catch (error) {
    const output = `${(error as { stdout?: string }).stdout ?? ''}`;
    const problems = [...output.matchAll(/manifests\.ts\((\d+),\d+\): error TS\d+: (.*)/g)].map(
      ([, line, message]) => `${owners[Number(line) - 1] ?? '?'} (line ${line}): ${message}`,
    );
    if (problems.length === 0)
      throw new Error(`tsc failed without diagnostics:\n${output}${error}`);
    return problems;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
