// The points statements read the (user_id, points) index of migration 0005 alone, on every
// dialect: a batch of 50 random users touches index pages only, never the table's rows, which
// is what keeps GetUserListPoints cheap at 1M users (docs/BENCHMARKS.md). The test tables are
// tiny, so PostgreSQL is told to avoid sequential and bitmap scans where it can: what is asserted
// is that the covering index exists and serves the statements.
import { openSingleConnection, testDatabases } from '@backend/common/testing/databases';
import test from 'ava';
import { pointsOfManySql, pointsOfOneSql } from '../src/point-repository.ts';

const databases = await testDatabases();
const ids = Array.from(
  { length: 50 },
  (_, i) => `a1000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
);

/** What each dialect's plan says when the index alone answers. */
const indexOnly = {
  postgresql: /Index Only Scan using points_user_id_points_idx/,
  mysql: /points_user_id_points_idx.*Using index/,
  sqlite: /USING COVERING INDEX points_user_id_points_idx/,
};

for (const { dialect, url } of databases) {
  test(`[${dialect}] a user's points and a batch's are read from the covering index alone`, async (t) => {
    const database = await openSingleConnection(url);
    try {
      if (dialect === 'postgresql') {
        await database.query('set enable_seqscan = off', []);
        await database.query('set enable_bitmapscan = off', []);
      }
      const explain = dialect === 'sqlite' ? 'explain query plan' : 'explain';
      for (const [sql, params] of [
        [pointsOfOneSql, ids.slice(0, 1)],
        [pointsOfManySql(ids.length), ids],
      ] as const) {
        const rows = await database.query<Record<string, unknown>>(`${explain} ${sql}`, [
          ...params,
        ]);
        const text = rows.map((row) => Object.values(row).join(' ')).join('\n');
        t.regex(text, indexOnly[dialect], text);
      }
    } finally {
      await database.close();
    }
  });
}
