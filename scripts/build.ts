// Bundles each service into one ES module, services/<name>/dist/main.mjs: what the image runs.
// One file instead of about 940 modules: the service is ready sooner and holds less memory once
// idle (no per-module records, no TypeScript stripping, fewer of Node's loader internals paged in;
// docs/BENCHMARKS.md, "Custom parts kept"). Development (`npm start`, the tests) runs the sources directly.
//   node scripts/build.ts [department user point]
// The output is readable (not minified), so stack traces stay useful; a source map lies next to
// it for `node --enable-source-maps` when a trace must point into the sources.
import { copyFile, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type BuildOptions, build, type Plugin } from 'esbuild';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));

export const services = ['department', 'user', 'point'] as const;
export type ServiceName = (typeof services)[number];

/** Where a service's bundle is written; proto/point.proto is copied next to it. */
export const bundlePath = (name: ServiceName) =>
  fileURLToPath(new URL(`../services/${name}/dist/main.mjs`, import.meta.url));

/**
 * Builds one service's bundle and its source map. Each file is written under a temporary name and
 * renamed into place, so a process starting the bundle never reads half a file, and builds that
 * run at once (two test files, say) only replace it with the same content.
 */
export async function buildService(name: ServiceName): Promise<string> {
  const outfile = bundlePath(name);
  const options = {
    entryPoints: [`services/${name}/src/main.ts`],
    absWorkingDir: repoRoot,
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    legalComments: 'none',
    logLevel: 'warning',
    write: false,
    charset: 'ascii', // esbuild's default, relied on below
    // bunyan's optional DTrace probes: a native addon, looked up in a try/catch, never built here.
    external: ['dtrace-provider'],
    plugins: [packageDirectories(dirname(outfile)), globalProcess()],
    // The CommonJS packages in the bundle call require() for Node's built-ins.
    banner: {
      js: [
        "import { createRequire as __createRequire } from 'node:module';",
        'const require = __createRequire(import.meta.url);',
        'const __bundleDirectory = import.meta.dirname;',
      ].join(' '),
    },
  } satisfies BuildOptions;
  const [bundle, withoutComments] = await Promise.all([
    build({ ...options, sourcemap: 'linked', sourcesContent: false }),
    build({ ...options, minifyWhitespace: true }),
  ]);
  // Node keeps a module's source in memory for as long as it runs, at two bytes per character
  // as soon as one character is not Latin-1: 12 MB instead of 6 for a bundle. esbuild escapes
  // every non-ASCII character of the code, but keeps comments as they are, and the packages'
  // comments hold a few dashes and arrows. Those become '?', one for one, so the source map's
  // columns stay right; the same bundle without comments shows that no code is touched.
  if (nonAscii.test(withoutComments.outputFiles[0]?.text ?? '')) {
    throw new Error(`${name}: non-ASCII characters outside comments in the bundle`);
  }
  await mkdir(dirname(outfile), { recursive: true });
  for (const file of bundle.outputFiles) {
    const contents = file.path.endsWith('.mjs') ? file.text.replace(nonAsciiAll, '?') : file.text;
    const temporary = `${file.path}.${process.pid}.tmp`;
    await writeFile(temporary, contents);
    await rename(temporary, file.path);
  }
  // proto/point.ts loads the contract from its own directory, which in a bundle is dist/.
  await copyFile(`${repoRoot}proto/point.proto`, `${dirname(outfile)}/point.proto`);
  return outfile;
}

/** Builds the bundles of `names` (all three by default), one after the other. */
export async function buildServices(names: readonly ServiceName[] = services): Promise<void> {
  for (const name of names) await buildService(name);
}

const nonAscii = /[\u0080-\uffff]/;
const nonAsciiAll = /[\u0080-\uffff]/g; // every UTF-16 unit, surrogates too

/**
 * `import * as process from "process"` (OpenTelemetry's resource detectors) would make Node build
 * the built-in's ES module facade at load, which reads process.stdin and so runs process.nextTick
 * before the start-up collection (common/src/startup-heap.ts says why it must not). The global
 * is the same object.
 */
function globalProcess(): Plugin {
  return {
    name: 'global-process',
    setup(builder) {
      builder.onResolve({ filter: /^(node:)?process$/ }, () => ({
        path: 'process',
        namespace: 'global-process',
      }));
      builder.onLoad({ filter: /.*/, namespace: 'global-process' }, () => ({
        contents: 'module.exports = globalThis.process;',
        loader: 'js',
      }));
    },
  };
}

/**
 * CommonJS packages that find their own files through `__dirname` (grpc-js and grpc-health-check
 * load .proto files next to their code) keep finding them in node_modules: each such module gets
 * its own `__dirname`, the package's directory as seen from the bundle. The image keeps
 * node_modules where it is in the repository, so the relative path holds there too.
 */
function packageDirectories(bundleDirectory: string): Plugin {
  return {
    name: 'package-directories',
    setup(builder) {
      builder.onLoad({ filter: /[\\/]node_modules[\\/].*\.c?js$/ }, async (args) => {
        const contents = await readFile(args.path, 'utf8');
        if (!/\b__(dirname|filename)\b/.test(contents)) return undefined;
        const directory = JSON.stringify(relative(bundleDirectory, dirname(args.path)));
        const file = JSON.stringify(relative(bundleDirectory, args.path));
        const path = 'require("node:path")';
        const declaration =
          `var __dirname = ${path}.join(__bundleDirectory, ${directory}), ` +
          `__filename = ${path}.join(__bundleDirectory, ${file});`;
        // After a "use strict" directive (which must stay first to count), on the same line, so
        // the module stays strict and its line numbers in the source map stay right.
        const prologue = /^\s*(['"])use strict\1;?/.exec(contents)?.[0] ?? '';
        return {
          loader: 'js',
          contents: `${prologue}${declaration}${contents.slice(prologue.length)}`,
        };
      });
    },
  };
}

if (import.meta.main) {
  const { positionals } = parseArgs({ allowPositionals: true });
  const names = positionals.length ? positionals : [...services];
  const unknown = names.filter((name) => !(services as readonly string[]).includes(name));
  if (unknown.length) {
    process.stderr.write(
      `unknown service ${unknown.join(', ')}: expected ${services.join(', ')}\n`,
    );
    process.exit(2);
  }
  for (const name of names as ServiceName[]) {
    const started = performance.now();
    const file = relative(process.cwd(), await buildService(name));
    process.stdout.write(`${file} in ${Math.round(performance.now() - started)} ms\n`);
  }
}
