// `npm test`'s test run: ava with every argument passed on, then one line per database dialect
// saying where its suites ran, or why they did not and how to make them run.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

type Note = { dialect: string; source?: string; missing?: string };

const enable: Record<string, string> = {
  postgresql:
    'set TEST_POSTGRES_URL=postgres://user:password@host:5432/db, run Docker for testcontainers, or a local PostgreSQL with user postgres and trust auth on 127.0.0.1:5432',
  mysql:
    'set TEST_MYSQL_URL=mysql://user:password@host:3306/db, run Docker for testcontainers, or a local MySQL/MariaDB with root and no password on 127.0.0.1:3306',
};

export function summarize(notes: Note[]): string[] {
  const lines: string[] = [];
  for (const dialect of ['sqlite', 'postgresql', 'mysql']) {
    const mine = notes.filter((n) => n.dialect === dialect);
    const ran = new Map<string, number>();
    for (const { source } of mine) if (source) ran.set(source, (ran.get(source) ?? 0) + 1);
    const missed = mine.filter((n) => n.missing);
    const files = (n: number) => `${n} file${n === 1 ? '' : 's'}`;
    const parts = [...ran].map(([source, n]) => `ran on ${source} (${files(n)})`);
    if (missed.length > 0) {
      parts.push(
        `SKIPPED in ${files(missed.length)}: ${missed[0]?.missing}; to run it, ${enable[dialect]}`,
      );
    }
    if (parts.length > 0) lines.push(`${dialect}: ${parts.join('; ')}`);
  }
  return lines;
}

if (import.meta.main) {
  const runDir = mkdtempSync(join(tmpdir(), 'test-run-'));
  const ava = spawn(
    process.execPath,
    ['node_modules/ava/entrypoints/cli.js', ...process.argv.slice(2)],
    {
      stdio: 'inherit',
      env: { ...process.env, TEST_RUN_DIR: runDir },
    },
  );
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => ava.kill(signal));
  const [code, signal] = await once(ava, 'close');
  let notes: Note[] = [];
  try {
    notes = readFileSync(join(runDir, 'databases.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Note);
  } catch {
    // No suite asked for a database (a run of selected files).
  }
  rmSync(runDir, { recursive: true, force: true });
  const lines = summarize(notes);
  if (lines.length > 0) process.stdout.write(`\nDatabases of this run:\n  ${lines.join('\n  ')}\n`);
  process.exitCode = code ?? (signal ? 1 : 0);
}
