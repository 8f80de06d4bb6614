// Applies pending migrations to DATABASE_URL; `--seed` loads sample data, `--recount` the totals.
import { type BaseConfig, baseSchema, ConfigError, loadConfig } from '../config.ts';
import { EXIT_CONFIG } from '../lifecycle.ts';
import { createLogger, type Logger, redactUrl } from '../logger.ts';
import { openDatabase } from './database.ts';
import { recountUserStatistics } from './migrations/0004-user-statistics.ts';
import { seedSampleData } from './sample-data.ts';

export async function prepareDatabase(
  config: BaseConfig,
  logger: Logger,
  { seed, recount = false }: { seed: boolean; recount?: boolean },
): Promise<void> {
  const database = await openDatabase(config, logger);
  try {
    const applied = await database.migrate();
    const where = redactUrl(config.databaseUrl);
    logger.info(
      { applied, database: where },
      applied.length ? 'migrations applied' : 'schema up to date',
    );
    if (seed) {
      const seeded = await seedSampleData(database);
      logger.info(seeded ? 'sample data loaded' : 'database not empty: sample data not loaded');
    }
    if (recount) {
      // One transaction: on PostgreSQL the count is exact even while users are written.
      await database.em().transactional(async (em) => {
        const connection = em.getConnection();
        const context = em.getTransactionContext();
        await recountUserStatistics(database.quote('user'))((sql, params) =>
          connection.execute(sql, params, 'all', context),
        );
      });
      logger.info('users statistics recounted');
    }
  } finally {
    await database.close();
  }
}

if (import.meta.main) {
  let config: BaseConfig;
  try {
    config = loadConfig(baseSchema);
  } catch (error) {
    console.error(error instanceof ConfigError ? error.message : error);
    process.exit(EXIT_CONFIG);
  }
  const logger = createLogger({ name: 'migrate', level: config.logLevel });
  await prepareDatabase(config, logger, {
    seed: process.argv.includes('--seed'),
    recount: process.argv.includes('--recount'),
  }).catch((error) => {
    logger.fatal({ err: error }, 'migration failed');
    process.exitCode = 1;
  });
}
