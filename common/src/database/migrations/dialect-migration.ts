// Turns per-dialect SQL into MikroORM migrations: each step lists its SQL for every dialect.
import type { MigrationObject } from '@mikro-orm/core';
import { Migration } from '@mikro-orm/migrations';

export type Dialect = 'postgresql' | 'mysql' | 'sqlite';
export type DialectSql = Record<Dialect, string[]>;

export function toMigration(name: string, steps: DialectSql, dialect: Dialect): MigrationObject {
  const statements = steps[dialect];
  return {
    name,
    class: class extends Migration {
      override async up() {
        for (const sql of statements) this.addSql(sql);
      }
    },
  };
}
