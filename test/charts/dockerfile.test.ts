// The image and the charts agree: what the pods assume about the image is in the Dockerfile.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { repoRoot } from './tools.ts';

const dockerfile = readFileSync(join(repoRoot, 'Dockerfile'), 'utf8');
const runtimeStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));

test('the runtime stage runs from /app as uid/gid 1000, the user the charts run as', (t) => {
  t.regex(runtimeStage, /^WORKDIR \/app$/m);
  t.regex(runtimeStage, /^USER 1000:1000$/m);
});

test('the image holds what the chart commands need: proto/, common/, the service and its bundle', (t) => {
  t.regex(runtimeStage, /^COPY proto \.\/proto$/m);
  t.regex(runtimeStage, /^COPY common \.\/common$/m);
  t.regex(runtimeStage, /^COPY services\/\$\{SERVICE\} \.\/services\/\$\{SERVICE\}$/m);
  t.regex(
    runtimeStage,
    /^COPY --from=bundle \/app\/services\/\$\{SERVICE\}\/dist \.\/services\/\$\{SERVICE\}\/dist$/m,
  );
  // What the Deployment runs (charts/service/templates/deployment.yaml) and `docker run` runs.
  const deployment = readFileSync(
    join(repoRoot, 'charts/service/templates/deployment.yaml'),
    'utf8',
  );
  t.regex(
    deployment,
    /args: \[\{\{ printf "services\/%s\/dist\/main\.mjs" \.Chart\.Name \| quote \}\}\]/,
  );
  t.regex(
    runtimeStage,
    /^CMD \["sh", "-c", "exec node \\"services\/\$\{SERVICE\}\/dist\/main\.mjs\\""\]$/m,
  );
});

test('the bundle is built by scripts/build.ts with the esbuild version of the lockfile', (t) => {
  const bundleStage = dockerfile.slice(
    dockerfile.indexOf(' AS bundle\n'),
    dockerfile.lastIndexOf('\nFROM '),
  );
  const lock = JSON.parse(readFileSync(join(repoRoot, 'package-lock.json'), 'utf8'));
  const version = lock.packages['node_modules/esbuild'].version as string;
  t.true(
    bundleStage.includes(`esbuild@${version} `) || bundleStage.includes(`esbuild@${version}\n`),
  );
  t.regex(bundleStage, /^RUN node scripts\/build\.ts "\$\{SERVICE\}"$/m);
  const ignored = readFileSync(join(repoRoot, '.dockerignore'), 'utf8').split('\n');
  t.true(ignored.includes('!scripts/build.ts'));
  t.true(ignored.includes('**/dist'), 'a bundle built on the host never reaches the image');
});

test('the image environment is what the contract test assumes (NODE_ENV=production)', (t) => {
  t.regex(runtimeStage, /^ENV NODE_ENV=production/m);
});

test('the compile cache is filled at build time as uid 1000 (Node keys it by uid) and used at run time', (t) => {
  t.regex(runtimeStage, /^ENV NODE_COMPILE_CACHE=\/app\/\.node-compile-cache$/m);
  const filled = runtimeStage.search(/^RUN node scripts\/warm-compile-cache\.ts "\$\{SERVICE\}"$/m);
  t.true(filled > 0);
  t.is(runtimeStage.lastIndexOf('\nUSER ', filled), runtimeStage.indexOf('\nUSER 1000:1000'));
  const ignored = readFileSync(join(repoRoot, '.dockerignore'), 'utf8');
  t.true(ignored.indexOf('!scripts/warm-compile-cache.ts') > ignored.indexOf('\nscripts\n'));
});

test('only production dependencies of one workspace are installed, without install scripts', (t) => {
  t.regex(dockerfile, /npm ci --omit=dev --ignore-scripts .*--workspace "@backend\/\$\{SERVICE\}"/);
});

test('.dockerignore keeps node_modules, git data and tests out of the build context', (t) => {
  const ignored = readFileSync(join(repoRoot, '.dockerignore'), 'utf8').split('\n');
  for (const entry of ['**/node_modules', '.git', '**/*.test.ts', '.tools'])
    t.true(ignored.includes(entry), entry);
});

test('the build stages run on the build platform, as no production package is platform-specific', (t) => {
  t.regex(dockerfile, /^FROM --platform=\$BUILDPLATFORM \$\{BASE_IMAGE\} AS dependencies$/m);
  t.regex(dockerfile, /^FROM dependencies AS bundle$/m);
  t.regex(runtimeStage, /^\nFROM \$\{BASE_IMAGE\}\n/, 'the runtime stage is the target platform');
  // Installed on one platform and copied into another, node_modules must hold nothing per
  // platform: no package limited to an os or cpu. Install scripts never run (--ignore-scripts,
  // tested above), so no native addon is built either (dtrace-provider, optional for bunyan).
  const lock = JSON.parse(readFileSync(join(repoRoot, 'package-lock.json'), 'utf8'));
  const platformSpecific = Object.entries(lock.packages as Record<string, Record<string, unknown>>)
    .filter(([path, entry]) => path.startsWith('node_modules/') && !entry.dev)
    .filter(([, entry]) => entry.os || entry.cpu)
    .map(([path]) => path);
  t.deepEqual(platformSpecific, []);
});

test('the base image is a build argument, by default the official Node image of the pinned version', (t) => {
  const pinned = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')).devDependencies
    .node as string;
  t.regex(
    dockerfile,
    new RegExp(`^ARG BASE_IMAGE=node:${pinned.replaceAll('.', '\\.')}-trixie-slim$`, 'm'),
  );
});

test('the CA bundle reaches only the steps that run npm, as a secret, never a layer', (t) => {
  const runs = dockerfile.split(/\n(?=[A-Z]+ )/).filter((step) => step.startsWith('RUN '));
  const npmSteps = runs.filter((step) => /\bnpm (ci|install)\b/.test(step));
  t.is(npmSteps.length, 2);
  for (const step of npmSteps) {
    t.regex(step, /--mount=type=secret,id=ca\b/);
    t.regex(step, /NODE_EXTRA_CA_CERTS=\/run\/secrets\/ca/);
  }
  t.is(dockerfile.match(/type=secret/g)?.length, 2);
  t.notRegex(dockerfile, /^(COPY|ADD|ENV)\b.*(ca-certificates|secrets|NODE_EXTRA_CA_CERTS)/m);
});
