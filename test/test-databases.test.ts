// Without TEST_*_URL and without a container runtime, the suites still find the conventional local
// servers (PostgreSQL as postgres, MySQL/MariaDB as root, on 127.0.0.1) instead of skipping.
import { testServer } from '@backend/common/testing/databases';
import test from 'ava';

for (const [dialect, variable, where] of [
  ['postgresql', 'TEST_POSTGRES_URL', 'postgres@127.0.0.1:5432'],
  ['mysql', 'TEST_MYSQL_URL', 'root@127.0.0.1:3306'],
] as const) {
  test(`[${dialect}] with ${variable} unset, a local server (or testcontainers) is used`, async (t) => {
    const configured = process.env[variable];
    delete process.env[variable];
    try {
      const server = await testServer(dialect).catch((error: Error) => error);
      if (server instanceof Error) {
        // Only a machine with neither a container runtime nor the local server gets here.
        t.regex(server.message, new RegExp(`no local server answers as ${where}`));
        if (configured || process.env.TEST_REQUIRE_ALL_DATABASES === '1') t.fail(server.message);
        return;
      }
      t.true(
        server.source === `local server ${where}` || server.source.startsWith('testcontainers'),
        server.source,
      );
      await server.stop();
    } finally {
      if (configured) process.env[variable] = configured;
    }
  });
}
