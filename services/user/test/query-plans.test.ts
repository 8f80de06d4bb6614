// The users statements use the indexes the migrations create, on every dialect: each page order
// is read from its (column, id) index, in either direction, and the statistics read the running
// totals of migration 0004 and the ends of the (age, id) and (salary, id) indexes. The test
// tables are tiny, so PostgreSQL is told to avoid sequential scans where it can: what is asserted
// is that a matching index exists and serves the statement, which is what keeps the cost flat at
// 1M users (docs/BENCHMARKS.md).
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

/** The lines of PostgreSQL's first init plan: the subtree below its "InitPlan" line. */
function initPlan(text: string): string {
  const lines = text.split('\n');
  const start = lines.findIndex((line) => /InitPlan/.test(line));
  if (start < 0) return '';
  const depth = (line: string) => line.search(/\S/);
  const end = lines.findIndex((line, i) => i > start && depth(line) <= depth(lines[start] ?? ''));
  return lines.slice(start, end < 0 ? undefined : end).join('\n');
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
      if (dialect === 'postgresql') {
        // Nine rows without statistics: a bitmap scan and a sort look as cheap as the index.
        await database.query('set enable_seqscan = off', []);
        await database.query('set enable_bitmapscan = off', []);
      }
      const statements = userStatements(database);
      for (const order of orders) {
        const where = `${order.orderBy} ${order.direction}`;
        let text = await plan(database, statements.page(order), [50, 100]);
        // MariaDB/MySQL and PostgreSQL: the ids come from the index in a derived table or an
        // init plan; the outer query then sorts only the page's rows, cheap whatever the size.
        if (dialect === 'mysql') text = text.split('\n').find((line) => /DERIVED/.test(line)) ?? '';
        if (dialect === 'postgresql') {
          text = initPlan(text);
          t.regex(
            text,
            /Index Only Scan/,
            `the skipped rows are not read from the table:\n${text}`,
          );
        }
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
