// Plain SQL for hot read paths on MikroORM's pool, skipping its per-query pipeline (docs/BENCHMARKS.md).
import type { AbstractSqlConnection as Connection } from '@mikro-orm/sql';
import type { Pool as MySqlPool } from 'mysql2';
import type { Pool as PgPool } from 'pg';
import type { Logger } from '../logger.ts';
import { type QueryRecorder, readinessQuery } from './instrumentation.ts';
import type { Dialect } from './migrations/dialect-migration.ts';

/** Runs one statement with `?` placeholders (none may appear inside string literals). */
export type RunStatement = <Row>(sql: string, params: unknown[]) => Promise<Row[]>;

const maxPreparedStatements = 256;
// Beyond this many distinct texts, a text is rewritten on every run.
const maxRememberedStatements = 1024;

function runner(dialect: Dialect, connection: Connection): RunStatement {
  if (dialect === 'sqlite') {
    // node:sqlite is in-process: no pipeline worth skipping.
    return (sql, params) => connection.execute(sql, params) as Promise<never>;
  }
  let pool: Promise<unknown> | undefined;
  let taken: unknown; // the pool once taken: later statements skip the await
  // Taken on first use (a database down at start-up must not stop the service), after one
  // MikroORM query: only then does Kysely end the pool when the ORM closes.
  const nativePool = () => {
    pool ??= connection
      .execute('select 1', [], 'all', undefined, readinessQuery)
      .then(() => connection.getNativeClient())
      .then((client) => {
        taken = client;
        return client;
      })
      .catch((error) => {
        pool = undefined;
        throw error;
      });
    return pool;
  };
  if (dialect === 'postgresql') {
    // pg numbers placeholders: rewrite each text once; named prepared statements need
    // PgBouncer 1.21+ with max_prepared_statements.
    const statements = new Map<string, { text: string; name: string | undefined }>();
    const statementOf = (sql: string) => {
      let statement = statements.get(sql);
      if (statement === undefined) {
        let index = 0;
        const text = sql.replace(/\?/g, () => `$${++index}`);
        const name = statements.size < maxPreparedStatements ? `s${statements.size}` : undefined;
        statement = { text, name };
        if (statements.size < maxRememberedStatements) statements.set(sql, statement);
      }
      return statement;
    };
    return async (sql, params) => {
      const { text, name } = statementOf(sql);
      const pg = (taken ?? (await nativePool())) as PgPool;
      const result = await pg.query({ text, name, values: params });
      return result.rows;
    };
  }
  return async (sql, params) => {
    const mysql = (taken ?? (await nativePool())) as MySqlPool;
    return new Promise((resolve, reject) =>
      mysql.query(sql, params, (error, rows) => (error ? reject(error) : resolve(rows as never))),
    );
  };
}

export function createStatementRunner(
  dialect: Dialect,
  connection: Connection,
  log: Logger,
  record?: QueryRecorder,
): RunStatement {
  const run = runner(dialect, connection);
  // SQLite statements go through MikroORM, whose logger already records them.
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
