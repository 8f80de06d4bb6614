// The running totals behind the users statistics (migration 0004) stay exact through every kind
// of write: single and multi-row inserts, bulk updates, values set to and from null, renames,
// deletes, rolled-back transactions, concurrent writers on several connections, and TRUNCATE on
// PostgreSQL. After each step the statistics are compared with a full aggregate over the table.
import { baseSchema, loadConfig } from '@backend/common/config';
import { type Database, openDatabase } from '@backend/common/database/database';
import { prepareDatabase } from '@backend/common/database/migrate-cli';
import { openSingleConnection, testDatabases } from '@backend/common/testing/databases';
import { captureLogs } from '@backend/common/testing/logs';
import test, { type ExecutionContext } from 'ava';
import { createUserRepository, toStatistics, type UserStatistics } from '../src/user-repository.ts';

const databases = await testDatabases();

/** The statistics as the original system computed them: a scan of the whole table. */
async function fullScan(database: Database): Promise<UserStatistics> {
  const [row = {}] = await database.query<Record<string, unknown>>(
    `select count(*) as users, count(age) as aged, sum(age) as age_sum, max(age) as high_age,
       min(age) as low_age, count(salary) as paid, sum(salary) as salary_sum,
       max(salary) as high_salary, min(salary) as low_salary from ${database.quote('user')}`,
  );
  return toStatistics(row);
}

// Salaries with halves only: every sum is exact in binary floating point, so the running totals
// and the full scan must agree to the last bit.
const newUser = (n: number, age: number | null, salary: number | null) => [
  `c2000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
  `Totals User ${n}`,
  `totals.${n}@example.com`,
  age,
  salary,
];

for (const { dialect, url } of databases) {
  test.serial(
    `[${dialect}] the statistics equal a full scan after every kind of write`,
    async (t) => {
      const database = await openDatabase(
        loadConfig(baseSchema, { DATABASE_URL: url, DATABASE_POOL_MAX: '8' }),
        captureLogs().logger,
      );
      const session = await openSingleConnection(url);
      const users = createUserRepository(database);
      const user = database.quote('user');
      const insert = `insert into ${user} (id, name, email, age, salary) values (?, ?, ?, ?, ?)`;
      const check = async (t: ExecutionContext, step: string) =>
        t.deepEqual(await users.statistics(), await fullScan(database), step);
      try {
        await check(t, 'the sample data, inserted after the migration');

        await database.query(`${insert}, (?, ?, ?, ?, ?), (?, ?, ?, ?, ?)`, [
          ...newUser(1, 61, 1000.5),
          ...newUser(2, null, 2500),
          ...newUser(3, 19, null),
        ]);
        await check(t, 'a three-row insert with nulls');

        await database.query(`update ${user} set age = age + 1 where age is not null`);
        await check(t, 'a bulk update of age');

        await database.query(`update ${user} set age = null, salary = 99999.5 where email = ?`, [
          'totals.1@example.com',
        ]);
        await database.query(`update ${user} set age = 40 where email = ?`, [
          'totals.2@example.com',
        ]);
        await check(t, 'values set to and from null');

        await database.query(`update ${user} set name = 'Renamed'`);
        await check(t, 'a rename of every row');

        await session.query(dialect === 'mysql' ? 'start transaction' : 'begin');
        await session.query(insert, newUser(4, 70, 500000));
        await session.query('rollback');
        await check(t, 'an insert rolled back');

        await Promise.all(
          Array.from({ length: 40 }, (_, i) =>
            database.query(insert, newUser(100 + i, 20 + (i % 30), 30000 + i * 250.5)),
          ),
        );
        await check(t, '40 concurrent inserts on several connections');

        await database.query(`delete from ${user} where email like 'totals.1%' or age > 60`);
        await check(t, 'a multi-row delete');

        // Totals bypassed (as a TRUNCATE with foreign key checks off would on MySQL): the recount
        // the migration ran puts them right.
        await database.query('update user_statistics set users = users + 5, age_sum = 0');
        t.notDeepEqual(await users.statistics(), await fullScan(database));
        await prepareDatabase(loadConfig(baseSchema, { DATABASE_URL: url }), captureLogs().logger, {
          seed: false,
          recount: true, // migrate-cli.ts --recount
        });
        await check(t, 'a recount after the totals were bypassed');

        if (dialect === 'postgresql') {
          await database.query(`truncate ${user} cascade`);
          await check(t, 'TRUNCATE');
          t.is((await users.statistics()).count, 0);
        } else {
          await database.query(`delete from ${user}`);
          await check(t, 'every row deleted');
        }
      } finally {
        await session.close();
        await database.close();
      }
    },
  );
}
