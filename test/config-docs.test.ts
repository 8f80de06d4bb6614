// docs/CONFIGURATION.md is generated from the schemas; a change to a schema must regenerate it.
import { readFileSync } from 'node:fs';
import test from 'ava';
import { configDocsPath, configReference } from '../scripts/generate-config-docs.ts';

test('docs/CONFIGURATION.md is up to date (npm run docs:config)', (t) => {
  t.is(readFileSync(configDocsPath, 'utf8'), configReference());
});

test('the reference names every variable with its default, per service where they differ', (t) => {
  const reference = configReference();
  t.regex(reference, /\| `PORT` \| `8081` department, `8082` user, `50051` point \| all \|/);
  t.regex(reference, /\| `POINT_DEADLINE_MS` \| `2000` \| user \|/);
  t.regex(reference, /\| `HTTP_PORT` \| `8083` \| point \|/);
});
