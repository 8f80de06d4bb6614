// Real databases for tests: SQLite always; PostgreSQL and MySQL from TEST_POSTGRES_URL /
// TEST_MYSQL_URL when set, otherwise from testcontainers, otherwise the conventional local server
// (the tests create and drop their own databases). Each test file gets its own database.
import { randomBytes } from 'node:crypto';
import { appendFileSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import test from 'ava';
import { baseSchema, loadConfig } from '../config.ts';
import { type Dialect, openDatabase } from '../database/database.ts';
import { seedSampleData } from '../database/sample-data.ts';
import { createLogger } from '../logger.ts';

export type TestDatabase = { dialect: Dialect; url: string };

type Server = { adminUrl: string; source: string; stop: () => Promise<void> };

const silent = createLogger({ name: 'test', level: 'fatal' });
const configFor = (url: string) =>
  loadConfig(baseSchema, { DATABASE_URL: url, DATABASE_CONNECT_TIMEOUT_MS: '3000' });

/**
 * The database at `url` through a pool of exactly one connection, so every statement runs on the
 * same session: a session setting or a per-connection prepared statement is seen by the next one.
 */
export function openSingleConnection(url: string) {
  return openDatabase(
    loadConfig(baseSchema, { DATABASE_URL: url, DATABASE_POOL_MIN: '1', DATABASE_POOL_MAX: '1' }),
    silent,
  );
}

/** Runs statements on a server-wide connection (used to create and drop databases). */
async function admin(url: string, statements: string[]) {
  const database = await openDatabase(configFor(url), silent);
  try {
    for (const sql of statements) await database.em().getConnection().execute(sql);
  } finally {
    await database.close();
  }
}

const serverSettings = {
  postgresql: {
    variable: 'TEST_POSTGRES_URL',
    image: 'postgres:17-alpine',
    port: 5432,
    env: { POSTGRES_PASSWORD: 'test' },
    url: (host: string, port: number) => `postgres://postgres:test@${host}:${port}/postgres`,
    local: 'postgres://postgres@127.0.0.1:5432/postgres',
  },
  mysql: {
    variable: 'TEST_MYSQL_URL',
    image: 'mysql:8.4',
    port: 3306,
    env: { MYSQL_ROOT_PASSWORD: 'test' },
    url: (host: string, port: number) => `mysql://root:test@${host}:${port}/mysql`,
    local: 'mysql://root@127.0.0.1:3306/mysql',
  },
} as const;

/** A PostgreSQL or MySQL server for tests (see the top of this file); stop() when done. */
export async function testServer(dialect: 'postgresql' | 'mysql'): Promise<Server> {
  const settings = serverSettings[dialect];
  const fromEnv = process.env[settings.variable];
  if (fromEnv) {
    await admin(fromEnv, ['select 1']).catch((error: Error) => {
      throw new Error(`${settings.variable} does not answer: ${error.message}`);
    });
    return { adminUrl: fromEnv, source: settings.variable, stop: async () => {} };
  }
  const { GenericContainer, Wait } = await import('testcontainers');
  const container = await new GenericContainer(settings.image)
    .withEnvironment(settings.env)
    .withExposedPorts(settings.port)
    .withWaitStrategy(Wait.forListeningPorts())
    .start()
    .catch(async (error: Error) => {
      const local = new URL(settings.local);
      const where = `${local.username}@${local.host}`;
      const answers = await admin(settings.local, ['select 1']).then(
        () => true,
        () => false,
      );
      if (answers) return undefined;
      throw new Error(
        `${settings.variable} is not set, testcontainers could not start ${settings.image} (${error.message.split('\n')[0]}), and no local server answers as ${where}`,
      );
    });
  if (!container) {
    const local = new URL(settings.local);
    return {
      adminUrl: settings.local,
      source: `local server ${local.username}@${local.host}`,
      stop: async () => {},
    };
  }
  const adminUrl = settings.url(container.getHost(), container.getMappedPort(settings.port));
  for (let attempt = 0; ; attempt++) {
    try {
      await admin(adminUrl, ['select 1']);
      break;
    } catch (error) {
      if (attempt > 60) throw error;
      await sleep(1_000);
    }
  }
  return {
    adminUrl,
    source: `testcontainers ${settings.image}`,
    stop: async () => void (await container.stop()),
  };
}

// scripts/test.ts sets TEST_RUN_DIR and ends the run with one line per dialect from these notes.
export function noteDatabase(dialect: Dialect, outcome: { source: string } | { missing: string }) {
  const directory = process.env.TEST_RUN_DIR;
  if (directory)
    appendFileSync(
      join(directory, 'databases.jsonl'),
      `${JSON.stringify({ dialect, ...outcome })}\n`,
    );
}

async function createDatabase(
  server: Server,
  dialect: Dialect,
): Promise<TestDatabase & { source: string; drop(): Promise<void> }> {
  const name = `test_${randomBytes(6).toString('hex')}`;
  await admin(server.adminUrl, [`create database ${name}`]);
  const url = new URL(server.adminUrl);
  url.pathname = `/${name}`;
  const drop =
    dialect === 'postgresql'
      ? `drop database if exists ${name} with (force)`
      : `drop database if exists ${name}`;
  return {
    dialect,
    url: url.toString(),
    source: server.source,
    drop: () => admin(server.adminUrl, [drop]),
  };
}

async function createSqliteDatabase(): Promise<
  TestDatabase & { source: string; drop(): Promise<void> }
> {
  const directory = await mkdtemp(join(tmpdir(), 'backend-test-'));
  return {
    dialect: 'sqlite',
    source: 'embedded',
    url: `sqlite:${join(directory, 'test.sqlite')}`,
    drop: () => rm(directory, { recursive: true, force: true }),
  };
}

/**
 * One migrated (and by default seeded) database per available dialect, dropped after the file's
 * tests. A dialect whose server cannot be had is reported as a skipped test naming the reason —
 * or as a failed test when TEST_REQUIRE_ALL_DATABASES=1.
 *
 * ava starts running a file on the tick after its first declaration, so everything here is
 * awaited first and declared last; call it before declaring anything, and start services in
 * `test.before` hooks.
 */
export async function testDatabases({ seed = true } = {}): Promise<TestDatabase[]> {
  const ready: TestDatabase[] = [];
  const missing: [Dialect, string][] = [];
  const cleanups: (() => Promise<void>)[] = [];
  const create = async (dialect: Dialect) => {
    if (dialect === 'sqlite') return createSqliteDatabase();
    const server = await testServer(dialect);
    cleanups.push(server.stop);
    return createDatabase(server, dialect);
  };
  for (const dialect of ['sqlite', 'postgresql', 'mysql'] as const) {
    try {
      const database = await create(dialect);
      cleanups.unshift(database.drop);
      await prepare(database.url, seed);
      ready.push({ dialect, url: database.url });
      noteDatabase(dialect, { source: database.source });
    } catch (error) {
      const reason = (error as Error).message.split('\n')[0] ?? 'unknown error';
      missing.push([dialect, reason]);
      noteDatabase(dialect, { missing: reason });
    }
  }
  for (const [dialect, reason] of missing) {
    if (process.env.TEST_REQUIRE_ALL_DATABASES === '1') {
      test(`[${dialect}] database required (TEST_REQUIRE_ALL_DATABASES=1)`, (t) => t.fail(reason));
    } else {
      test.skip(`[${dialect}] suite skipped: ${reason}`, () => {});
    }
  }
  test.after.always('drop the test databases', async () => {
    for (const cleanup of cleanups) await cleanup();
  });
  return ready;
}

async function prepare(url: string, seed: boolean) {
  const database = await openDatabase(configFor(url), silent);
  try {
    await database.migrate();
    if (seed) await seedSampleData(database);
  } finally {
    await database.close();
  }
}

/** The same server URL on a port nothing listens on: a database that is down. */
export function unreachableUrl(database: TestDatabase): string {
  const url = new URL(database.url);
  url.hostname = '127.0.0.1';
  url.port = '1';
  return url.toString();
}

/**
 * A migrated, seeded SQLite file in a temporary directory, removed when the test process exits;
 * call it before declaring any test. Not an ava hook: declaring one here would start the file's
 * run before the caller's own declarations, which then throw.
 */
export async function prepareSqlite(): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), 'backend-test-'));
  process.once('exit', () => rmSync(directory, { recursive: true, force: true }));
  const url = `sqlite:${join(directory, 'test.sqlite')}`;
  await prepare(url, true);
  return url;
}
