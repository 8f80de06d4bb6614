// Turns per-dialect SQL into MikroORM migrations.
import type { MigrationObject } from '@mikro-orm/core';
import { Migration } from '@mikro-orm/migrations';

export type Dialect = 'postgresql' | 'mysql' | 'sqlite';

export type Run = (sql: string, params?: unknown[]) => Promise<Record<string, unknown>[]>;

/** A statement, or a function deciding on statements after looking at the database. */
export type Step = string | ((run: Run) => Promise<void>);

export type DialectSql = Record<Dialect, Step[]>;

export function toMigration(name: string, steps: DialectSql, dialect: Dialect): MigrationObject {
  const statements = steps[dialect];
  return {
    name,
    class: class extends Migration {
      override async up() {
        const run: Run = (sql, params) => this.execute(sql, params);
        for (const step of statements) {
          if (typeof step === 'string') await run(step);
          else await step(run);
        }
      }
    },
  };
}

async function mysqlHasIndex(run: Run, table: string, index: string): Promise<boolean> {
  const [row] = await run(
    'select count(*) as n from information_schema.statistics where table_schema = database() and table_name = ? and index_name = ?',
    [table, index],
  );
  return Number(row?.n ?? 0) > 0;
}

/** MySQL has no `create index if not exists` (MariaDB does): look before creating. */
export const mysqlIndexIfMissing =
  (table: string, index: string, columns: string): Step =>
  async (run) => {
    if (!(await mysqlHasIndex(run, table, index)))
      await run(`create index ${index} on \`${table}\` (${columns})`);
  };

/** MySQL has no `drop index if exists` (MariaDB does): look before dropping. */
export const mysqlDropIndexIfPresent =
  (table: string, index: string): Step =>
  async (run) => {
    if (await mysqlHasIndex(run, table, index)) await run(`drop index ${index} on \`${table}\``);
  };
