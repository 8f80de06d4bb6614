// The hot-path statement runner against real servers: repeated statements and hundreds of
// distinct texts give the right rows, and on PostgreSQL the first texts are prepared once per
// connection (seen from that connection's own pg_prepared_statements), never more than the cap.
import test from 'ava';
import { openSingleConnection, testDatabases } from '../testing/databases.ts';

const databases = await testDatabases();

for (const { dialect, url } of databases) {
  test(`[${dialect}] repeated statements and 300 distinct texts return the right rows`, async (t) => {
    const database = await openSingleConnection(url);
    try {
      const names = `select name from ${database.quote('department')} order by name limit ?`;
      for (let run = 0; run < 3; run++) {
        const rows = await database.query<{ name: string }>(names, [2]);
        t.deepEqual(
          rows.map((row) => row.name),
          ['Finance', 'Human Resources'],
        );
      }
      for (let i = 0; i < 300; i++) {
        const [row] = await database.query<{ n: unknown }>(`select ? + ${i} as n`, [1]);
        t.is(Number(row?.n), 1 + i);
      }
    } finally {
      await database.close();
    }
  });
}

for (const { url } of databases.filter((database) => database.dialect === 'postgresql')) {
  test('[postgresql] statements are prepared once per connection, at most 256 of them', async (t) => {
    const database = await openSingleConnection(url);
    const prepared = () =>
      database.query<{ statement: string }>(
        'select statement from pg_prepared_statements where from_sql = false',
        [],
      );
    try {
      const names = 'select name from department order by name limit ?';
      await database.query(names, [2]);
      await database.query(names, [3]);
      const once = (await prepared()).filter((row) => row.statement.includes('limit $1'));
      t.is(once.length, 1);
      for (let i = 0; i < 300; i++) await database.query(`select ?::int + ${i} as n`, [1]);
      t.is((await prepared()).length, 256); // the cap, reached: later texts are not prepared
      // Past the cap a text still runs, unprepared.
      const [row] = await database.query<{ n: number }>('select ?::int + 1000 as n', [1]);
      t.is(row?.n, 1001);
    } finally {
      await database.close();
    }
  });
}
