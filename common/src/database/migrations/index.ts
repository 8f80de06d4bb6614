// Every migration in order. Names are permanent: they are recorded in mikro_orm_migrations.
import { createTables } from './0001-create-tables.ts';
import { sortIndexes } from './0002-sort-indexes.ts';
import { statisticsIndex } from './0003-statistics-index.ts';
import { userStatistics } from './0004-user-statistics.ts';
import { pointsCoveringIndex } from './0005-points-covering-index.ts';
import { type Dialect, toMigration } from './dialect-migration.ts';

export function migrationsFor(dialect: Dialect) {
  return [
    toMigration('0001-create-tables', createTables, dialect),
    toMigration('0002-sort-indexes', sortIndexes, dialect),
    toMigration('0003-statistics-index', statisticsIndex, dialect),
    toMigration('0004-user-statistics', userStatistics, dialect),
    toMigration('0005-points-covering-index', pointsCoveringIndex, dialect),
  ];
}
