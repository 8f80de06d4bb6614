// Plain SQL statements for the hot read paths, run on the driver pool that MikroORM created and
// manages. MikroORM's per-query pipeline (Kysely, result transformation, logging) costs about a
// third of the throughput of a small query here, paid while a pooled connection is held; see
// docs/BENCHMARKS.md. Entities, migrations, pooling and configuration stay MikroORM's.
import type { AbstractSqlConnection as Connection } from '@mikro-orm/sql';
import type { Pool as MySqlPool } from 'mysql2';
import type { Pool as PgPool } from 'pg';
import type { Logger } from '../logger.ts';
import { type QueryRecorder, readinessQuery } from './instrumentation.ts';
import type { Dialect } from './migrations/dialect-migration.ts';

/** Runs one statement with `?` placeholders (none may appear inside string literals). */
export type RunStatement = <Row>(sql: string, params: unknown[]) => Promise<Row[]>;

function runner(dialect: Dialect, connection: Connection): RunStatement {
  if (dialect === 'sqlite') {
    // node:sqlite is in-process and synchronous: there is no pipeline worth skipping.
    return (sql, params) => connection.execute(sql, params) as Promise<never>;
  }
  let pool: Promise<unknown> | undefined;
  // Taken on first use, so a database that is down at start-up does not stop the service. One
  // query through MikroORM first: Kysely initialises its driver — and so learns to end the pool
  // when the ORM closes — only on its first query.
  const nativePool = () => {
    pool ??= connection
      .execute('select 1', [], 'all', undefined, readinessQuery)
      .then(() => connection.getNativeClient())
      .catch((error) => {
        pool = undefined;
        throw error;
      });
    return pool;
  };
  if (dialect === 'postgresql') {
    // pg numbers its placeholders; statement texts are few, so each is rewritten once.
    const numbered = new Map<string, string>();
    const toNumbered = (sql: string) => {
      let text = numbered.get(sql);
      if (text === undefined) {
        let index = 0;
        text = sql.replace(/\?/g, () => `$${++index}`);
        numbered.set(sql, text);
      }
      return text;
    };
    return async (sql, params) => {
      const result = await ((await nativePool()) as PgPool).query(toNumbered(sql), params);
      return result.rows;
    };
  }
  return async (sql, params) => {
    const mysql = (await nativePool()) as MySqlPool;
    return new Promise((resolve, reject) =>
      mysql.query(sql, params, (error, rows) => (error ? reject(error) : resolve(rows as never))),
    );
  };
}

/** A statement runner that also times, counts and (at trace level) logs what it runs. */
export function createStatementRunner(
  dialect: Dialect,
  connection: Connection,
  log: Logger,
  record?: QueryRecorder,
): RunStatement {
  const run = runner(dialect, connection);
  // SQLite statements go through MikroORM, whose logger already times and counts them.
  if (dialect === 'sqlite') return run;
  return async (sql, params) => {
    const started = performance.now();
    let failed = false;
    try {
      return await run(sql, params);
    } catch (error) {
      failed = true;
      throw error;
    } finally {
      const took = performance.now() - started;
      record?.({ query: sql, took, level: failed ? 'error' : 'info' });
      if (log.trace()) log.trace({ took_ms: took, failed }, sql);
    }
  };
}
