// Fills Node's module compile cache (the directory in NODE_COMPILE_CACHE) for the given services:
// their bundles (services/<name>/dist/main.mjs, from scripts/build.ts), plus the modules the
// migration Job runs from the sources (database drivers, migrations). A later start then skips
// most JavaScript compilation: faster to ready and less resident memory (docs/BENCHMARKS.md).
// The image runs this at build time; entries are keyed by file content, so a stale cache is
// ignored, never wrong.
//   NODE_COMPILE_CACHE=dir node scripts/warm-compile-cache.ts [department user point]
import { existsSync } from 'node:fs';
import { flushCompileCache, getCompileCacheDir } from 'node:module';

const known = ['department', 'user', 'point'];
const services = process.argv.length > 2 ? process.argv.slice(2) : known;
const unknown = services.filter((name) => !known.includes(name));
if (unknown.length) {
  process.stderr.write(`unknown service ${unknown.join(', ')}: expected ${known.join(', ')}\n`);
  process.exit(2);
}
if (!getCompileCacheDir()) {
  process.stderr.write('NODE_COMPILE_CACHE is not set: there is no cache to fill\n');
  process.exit(2);
}

const bundles = services.map(
  (name) => new URL(`../services/${name}/dist/main.mjs`, import.meta.url),
);
const missing = services.filter((_, i) => !existsSync(bundles[i] as URL));
if (missing.length) {
  process.stderr.write(`no bundle for ${missing.join(', ')}: run npm run build first\n`);
  process.exit(2);
}

// A bundle starts nothing when imported (its start is guarded by import.meta.main).
for (const bundle of bundles) await import(bundle.href);
// What the migration Job (common/src/database/migrate-cli.ts) loads.
await Promise.all([
  import('../common/src/database/migrate-cli.ts'),
  import('@mikro-orm/postgresql'),
  import('@mikro-orm/mysql'),
  import('@mikro-orm/migrations'),
  import('../common/src/database/migrations/index.ts'),
]);
flushCompileCache();
process.stdout.write(`compile cache for ${services.join(', ')} in ${getCompileCacheDir()}\n`);
