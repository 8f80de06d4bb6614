// Opens the shared database with the MikroORM driver that the URL scheme names.
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { type Options, MikroORM as OrmRoot } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/sql';
import type { Registry } from 'prom-client';
import type { BaseConfig } from '../config.ts';
import { unavailable, withDeadline } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { tracesProbes } from '../tracing.ts';
import { entities } from './entities.ts';
import {
  createQueryMetrics,
  ormLoggerFactory,
  readinessQuery,
  registerPoolGauges,
  traceStatement,
} from './instrumentation.ts';
import type { Dialect } from './migrations/dialect-migration.ts';
import { createStatementRunner } from './statements.ts';

export type { Dialect };

export type DatabaseConfig = Pick<
  BaseConfig,
  | 'databaseUrl'
  | 'databasePoolMin'
  | 'databasePoolMax'
  | 'databaseConnectTimeoutMs'
  | 'databaseQueryTimeoutMs'
>;

export type Database = {
  readonly dialect: Dialect;
  em(): SqlEntityManager;
  /** One SQL statement with `?` placeholders, within the query deadline. */
  query<Row>(sql: string, params?: unknown[]): Promise<Row[]>;
  /** Quotes an identifier for this dialect (`user` is reserved in PostgreSQL). */
  quote(identifier: string): string;
  /** Resolves when the database answers within the connect timeout. */
  ping(): Promise<void>;
  migrate(): Promise<string[]>;
  close(): Promise<void>;
};

export function dialectOf(url: string): Dialect {
  const scheme = url.slice(0, url.indexOf(':'));
  if (scheme === 'postgres' || scheme === 'postgresql') return 'postgresql';
  if (scheme === 'mysql') return 'mysql';
  if (scheme === 'sqlite') return 'sqlite';
  throw new Error(`unsupported database URL scheme "${scheme}:"`);
}

/** A `sqlite:` URL → the file path for node:sqlite. */
export function sqliteFileOf(url: string): string {
  const path = url.replace(/^sqlite:(\/\/)?/, '');
  return path === ':memory:' ? path : resolve(path);
}

export type OpenOptions = {
  registry?: Registry;
  /** The entities MikroORM knows (all three by default); one entity avoids ICU collator RSS. */
  entities?: (typeof entities)[number][];
};

export async function openDatabase(
  config: DatabaseConfig,
  logger: Logger,
  { registry, entities: known = entities }: OpenOptions = {},
): Promise<Database> {
  const dialect = dialectOf(config.databaseUrl);
  const log = logger.child({ component: 'database' });
  const record = registry && createQueryMetrics(registry);
  // Not OrmRoot.init(): it imports every installed extension; migrate() loads the migrator itself.
  const orm = new OrmRoot({
    ...(await driverOptions(dialect, config)),
    entities: known,
    // No snapshot file: the container's working directory is read-only.
    migrations: { transactional: dialect !== 'mysql', snapshot: false, snapshotOnMigrate: false },
    pool: { min: config.databasePoolMin, max: config.databasePoolMax, idleTimeoutMillis: 30_000 },
    ensureDatabase: false,
    debug: false,
    colors: false,
    loggerFactory: ormLoggerFactory(log, record),
  } as Options);

  const em = () => orm.em.fork() as SqlEntityManager;
  if (registry && dialect === 'postgresql') {
    registerPoolGauges(registry, () => em().getConnection().getNativeClient());
  }
  if (dialect === 'sqlite') {
    // One connection per process; WAL lets the three local processes read while one writes. The
    // busy timeout first: processes starting together otherwise fail switching to WAL at once.
    const connection = em().getConnection();
    await connection.execute('pragma busy_timeout = 2000');
    await connection.execute('pragma journal_mode = wal');
    await connection.execute('pragma foreign_keys = on');
  }

  const platform = orm.em.getPlatform();
  const connection = (orm.em as SqlEntityManager).getConnection();
  const run = createStatementRunner(dialect, connection, log, record);
  const namespace = databaseName(config.databaseUrl);
  return {
    dialect,
    em,
    query: (sql, params = []) =>
      traceStatement(dialect, namespace, sql, () =>
        withDeadline(run(sql, params), config.databaseQueryTimeoutMs, 'the database'),
      ),
    quote: (identifier) => platform.quoteIdentifier(identifier),
    async ping() {
      const select = () =>
        withDeadline(
          em().getConnection().execute('select 1', [], 'all', undefined, readinessQuery),
          config.databaseConnectTimeoutMs,
          'the database',
        );
      try {
        // A span (a root of its own) only when TRACE_PROBES asks: one every few seconds otherwise.
        await (tracesProbes() ? traceStatement(dialect, namespace, 'select 1', select) : select());
      } catch (error) {
        throw unavailable('the database is unreachable', error);
      }
    },
    async migrate() {
      // Loaded here: services never migrate.
      const [{ Migrator }, { migrationsFor }] = await Promise.all([
        import('@mikro-orm/migrations'),
        import('./migrations/index.ts'),
      ]);
      orm.config.get('migrations').migrationsList = migrationsFor(dialect);
      Migrator.register(orm);
      const applied = await orm.migrator.up();
      return applied.map((migration) => migration.name);
    },
    close: () => orm.close(true),
  };
}

/** The database the URL names (db.namespace): its path, or the SQLite file's name. */
function databaseName(url: string): string {
  if (url.startsWith('sqlite:')) return sqliteFileOf(url).split('/').pop() ?? '';
  try {
    return decodeURIComponent(new URL(url).pathname.slice(1));
  } catch {
    return '';
  }
}

/** Only the driver the URL names is loaded: each brings its own client library. */
async function driverOptions(dialect: Dialect, config: DatabaseConfig): Promise<Partial<Options>> {
  const url = config.databaseUrl;
  switch (dialect) {
    case 'postgresql': {
      const { PostgreSqlDriver } = await import('@mikro-orm/postgresql');
      return {
        driver: PostgreSqlDriver,
        clientUrl: url,
        driverOptions: {
          connectionTimeoutMillis: config.databaseConnectTimeoutMs,
          query_timeout: config.databaseQueryTimeoutMs,
          keepAlive: true,
        },
      };
    }
    case 'mysql': {
      const { MySqlDriver } = await import('@mikro-orm/mysql');
      return {
        driver: MySqlDriver,
        clientUrl: url,
        driverOptions: { connectTimeout: config.databaseConnectTimeoutMs, enableKeepAlive: true },
      };
    }
    case 'sqlite': {
      const { NodeSqliteDialect, SqliteDriver } = await import('@mikro-orm/sql');
      const file = sqliteFileOf(url);
      if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
      return { driver: SqliteDriver, dbName: file, driverOptions: new NodeSqliteDialect(file) };
    }
  }
}
