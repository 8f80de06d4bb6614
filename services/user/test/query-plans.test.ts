// The users statements use the indexes the migrations create, on every dialect: each page order
// is read from its (column, id) index, in either direction, and the statistics read the running
// totals of migration 0004 and the ends of the (age, id) and (salary, id) indexes. The test tables are tiny, so PostgreSQL is told to
// avoid sequential scans where it can: what is asserted is that a matching index exists and
// serves the statement, which is what keeps the cost flat at 1M users (docs/BENCHMARKS.md).
import type { Database } from '@backend/common/database/database';
import { openSingleConnection, testDatabases } from '@backend/common/testing/databases';
import test from 'ava';
import { type UserColumn, userColumns, userStatements } from '../src/user-repository.ts';

const databases = await testDatabases();

/** The plan as one text, whatever shape each dialect's EXPLAIN returns. */
async function plan(database: Database, sql: string, params: unknown[]): Promise<string> {
  const explain = database.dialect === 'sqlite' ? 'explain query plan' : 'explain';
  const rows = await database.query<Record<string, unknown>>(`${explain} ${sql}`, params);
  return rows.map((row) => Object.values(row).join(' ')).join('\n');
}

/** The index that may serve an order: its (column, id) index, or a unique one. */
const indexFor = (column: UserColumn) =>
  column === 'id'
    ? /PRIMARY|user_pkey|sqlite_autoindex_user_1/
    : column === 'email'
      ? /user_email_id_idx|\bemail\b|sqlite_autoindex_user_2/
      : new RegExp(`user_${column}_id_idx`);

const orders = userColumns.flatMap((orderBy: UserColumn) =>
  (['asc', 'desc'] as const).map((direction) => ({ orderBy, direction })),
);

for (const { dialect, url } of databases) {
  test(`[${dialect}] every page order is served by its (column, id) index`, async (t) => {
    const database = await openSingleConnection(url);
    try {
      if (dialect === 'postgresql') await database.query('set enable_seqscan = off', []);
      const statements = userStatements(database);
      for (const order of orders) {
        const where = `${order.orderBy} ${order.direction}`;
        let text = await plan(database, statements.page(order), [50, 100]);
        // MariaDB/MySQL: the ids come from the index in a derived table; the outer query then
        // sorts only the page's rows, which is cheap whatever the table size.
        if (dialect === 'mysql') text = text.split('\n').find((line) => /DERIVED/.test(line)) ?? '';
        t.regex(text, indexFor(order.orderBy), `${where}:\n${text}`);
        t.notRegex(text, /filesort|Sort Key|USE TEMP B-TREE FOR ORDER BY/, `${where}:\n${text}`);
      }
    } finally {
      await database.close();
    }
  });
}

for (const { dialect, url } of databases) {
  test(`[${dialect}] the statistics read the running totals and four index ends, never the rows`, async (t) => {
    const database = await openSingleConnection(url);
    try {
      if (dialect === 'postgresql') await database.query('set enable_seqscan = off', []);
      const text = await plan(database, userStatements(database).statistics, []);
      t.regex(text, /user_statistics/, text);
      if (dialect === 'mysql') {
        // MIN and MAX of an index's first column are read from the index while planning.
        t.is(text.match(/Select tables optimized away/g)?.length, 4, text);
      } else {
        for (const index of ['user_age_id_idx', 'user_salary_id_idx'])
          t.is(text.match(new RegExp(index, 'g'))?.length, 2, `${index}:\n${text}`);
      }
      t.notRegex(text, /Seq Scan on "?user"?\b|SCAN "?user"?\b(?! USING)/, text);
    } finally {
      await database.close();
    }
  });
}
