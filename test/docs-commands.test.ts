// The README and docs name Node 20 as enough to install; their commands must work on it as
// written, so a TypeScript entry point is run through npm or the node devDependency, never bare.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repositoryRoot } from '@backend/common/testing/processes';
import test from 'ava';

const documents = [
  'README.md',
  ...readdirSync(join(repositoryRoot, 'docs')).map((f) => `docs/${f}`),
].filter((file) => file.endsWith('.md'));

test('no document runs a .ts file with a bare `node` (it is Node 20 on many machines)', (t) => {
  const bare = /(?<![\w/.-])node(?: --[\w-]+)* [\w./-]+\.ts\b/g;
  const found = documents.flatMap((file) =>
    readFileSync(join(repositoryRoot, file), 'utf8')
      .split('\n')
      .flatMap((line, index) =>
        [...line.matchAll(bare)]
          .filter((m) => !line.slice(0, m.index).endsWith('node_modules/.bin/'))
          .map((m) => `${file}:${index + 1}: ${m[0]}`),
      ),
  );
  t.deepEqual(found, []);
});

test('the install accepts the Node the README names, quietly', (t) => {
  const readme = readFileSync(join(repositoryRoot, 'README.md'), 'utf8');
  const named = Number(readme.match(/You need Node\.js (\d+) or newer/)?.[1]);
  const manifest = JSON.parse(readFileSync(join(repositoryRoot, 'package.json'), 'utf8'));
  t.is(manifest.engines.node, `>=${named}`);
  t.regex(readFileSync(join(repositoryRoot, '.npmrc'), 'utf8'), /^loglevel=error$/m);
  for (const script of ['migrate', 'bench:instructions', 'charts:schemas', 'charts:dashboard'])
    t.truthy(manifest.scripts[script], script);
});
