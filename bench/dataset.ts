// Benchmark datasets: the spec's sample data plus N generated users, each with one points row,
// inserted with set-based SQL. A dataset is built once per size and reused while its count fits.
import { baseSchema, loadConfig } from '@backend/common/config';
import { type Dialect, openDatabase } from '@backend/common/database/database';
import { seedSampleData } from '@backend/common/database/sample-data';
import { createLogger } from '@backend/common/logger';

const silent = createLogger({ name: 'bench', level: 'fatal' });

async function run(url: string, statements: string[]) {
  const database = await openDatabase(
    loadConfig(baseSchema, { DATABASE_URL: url, DATABASE_QUERY_TIMEOUT_MS: '3600000' }),
    silent,
  );
  try {
    const results: unknown[] = [];
    for (const sql of statements) results.push(await database.em().getConnection().execute(sql));
    return results;
  } finally {
    await database.close();
  }
}

/** Generated users get names "Bench User 0000001"…, so every ordering has many distinct values. */
function generateUsers(dialect: Dialect, count: number): string[] {
  const departments = `('d1000000-0000-4000-8000-000000000001', 'd1000000-0000-4000-8000-000000000002', 'd1000000-0000-4000-8000-000000000003')`;
  if (dialect === 'postgresql') {
    return [
      `insert into "user" (id, name, email, department_id, age, salary)
       select gen_random_uuid(), 'Bench User ' || lpad(g::text, 7, '0'), 'bench.user.' || g || '@example.com',
              (array${departments.replace('(', '[').replace(/\)$/, ']')}::uuid[])[1 + g % 3],
              18 + (g::bigint * 7919) % 50, 30000 + ((g::bigint * 104729) % 90000)
       from generate_series(1, ${count}) as g`,
      `insert into points (id, user_id, points)
       select gen_random_uuid(), id, abs(hashtext(id::text)) % 100 from "user" where email like 'bench.user.%'`,
      // Hint bits and the visibility map are set now, not by the first measured scan; the
      // checkpoint writes the new pages out before anything is timed.
      'vacuum analyze',
      'checkpoint',
    ];
  }
  if (dialect === 'mysql') {
    const digits =
      '(select 0 d union all select 1 union all select 2 union all select 3 union all select 4 union all select 5 union all select 6 union all select 7 union all select 8 union all select 9)';
    const series = `select 1 + a.d + 10*b.d + 100*c.d + 1000*e.d + 10000*f.d + 100000*h.d + 1000000*i.d as g
      from ${digits} a, ${digits} b, ${digits} c, ${digits} e, ${digits} f, ${digits} h, ${digits} i`;
    return [
      `insert into \`user\` (id, name, email, department_id, age, salary)
       select uuid(), concat('Bench User ', lpad(g, 7, '0')), concat('bench.user.', g, '@example.com'),
              elt(1 + g % 3, 'd1000000-0000-4000-8000-000000000001', 'd1000000-0000-4000-8000-000000000002', 'd1000000-0000-4000-8000-000000000003'),
              18 + (g * 7919) % 50, 30000 + ((g * 104729) % 90000)
       from (${series}) as s where g <= ${count}`,
      `insert into points (id, user_id, points)
       select uuid(), id, crc32(id) % 100 from \`user\` where email like 'bench.user.%'`,
      'analyze table `user`, points, department',
    ];
  }
  throw new Error(`no benchmark datasets for ${dialect}`);
}

export type Dataset = { url: string; size: number; users: number };

const datasetName = (size: number) => `bench_${size}`;
const dropStatement = (dialect: Dialect, name: string) =>
  dialect === 'postgresql'
    ? `drop database if exists ${name} with (force)`
    : `drop database if exists ${name}`;

/** Drops the dataset for `size` (the bench's smoke test leaves nothing behind). */
export async function dropDataset(dialect: Dialect, adminUrl: string, size: number) {
  await run(adminUrl, [dropStatement(dialect, datasetName(size))]);
}

/**
 * The database for `size` generated users on the server at `adminUrl`, created (migrated,
 * sample data, generated rows) unless it already holds exactly that many users.
 */
export async function ensureDataset(
  dialect: Dialect,
  adminUrl: string,
  size: number,
  say: (text: string) => void,
): Promise<Dataset> {
  const name = datasetName(size);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const total = size + 9;
  const existing = await run(url.toString(), ['select count(*) as n from points']).then(
    ([rows]) => Number((rows as { n: unknown }[])[0]?.n),
    () => -1,
  );
  if (existing === total) {
    // Reused, but always at the current schema (new migrations add indexes, for one).
    const database = await openDatabase(
      loadConfig(baseSchema, {
        DATABASE_URL: url.toString(),
        DATABASE_QUERY_TIMEOUT_MS: '3600000',
      }),
      silent,
    );
    try {
      const applied = await database.migrate();
      if (applied.length) say(`${name}: applied ${applied.join(', ')}`);
    } finally {
      await database.close();
    }
    return { url: url.toString(), size, users: total };
  }

  say(`building ${name} on ${dialect} (${size.toLocaleString('en')} generated users)…`);
  const started = Date.now();
  await run(adminUrl, [dropStatement(dialect, name), `create database ${name}`]);
  const database = await openDatabase(
    loadConfig(baseSchema, { DATABASE_URL: url.toString() }),
    silent,
  );
  try {
    await database.migrate();
    await seedSampleData(database);
  } finally {
    await database.close();
  }
  await run(url.toString(), generateUsers(dialect, size));
  say(`built ${name} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return { url: url.toString(), size, users: total };
}
