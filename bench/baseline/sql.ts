// The raw drivers behind one tiny interface, for the baselines: same SQL, no ORM.
import mysql from 'mysql2/promise';
import pg from 'pg';

export type RawDatabase = {
  /** Runs `sql` with `?` placeholders; returns the rows. */
  query(sql: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
  /** Quotes a table name that is a reserved word (`user`). */
  table(name: string): string;
  /** MariaDB/MySQL, whose optimiser needs the deferred join for deep pages. */
  mysql: boolean;
  queries: number;
};

export function openRawDatabase(url: string, poolSize = 10): RawDatabase {
  if (url.startsWith('mysql:')) {
    const pool = mysql.createPool({ uri: url, connectionLimit: poolSize });
    const database: RawDatabase = {
      queries: 0,
      mysql: true,
      async query(sql, params = []) {
        database.queries++;
        const [rows] = await pool.query(sql, params);
        return rows as Record<string, unknown>[];
      },
      table: (name) => `\`${name}\``,
    };
    return database;
  }
  const pool = new pg.Pool({ connectionString: url, max: poolSize });
  const database: RawDatabase = {
    queries: 0,
    mysql: false,
    async query(sql, params = []) {
      database.queries++;
      let index = 0;
      const numbered = sql.replace(/\?/g, () => `$${++index}`);
      return (await pool.query(numbered, params)).rows;
    },
    table: (name) => `"${name}"`,
  };
  return database;
}
