// The line `npm test` ends with: where each dialect's suites ran, and how to run a skipped one.
import test from 'ava';
import { summarize } from './test.ts';

test('each dialect gets one line: where its suites ran, or why not and how to run them', (t) => {
  const lines = summarize([
    { dialect: 'sqlite', source: 'embedded' },
    { dialect: 'sqlite', source: 'embedded' },
    { dialect: 'postgresql', source: 'local server postgres@127.0.0.1:5432' },
    { dialect: 'mysql', missing: 'TEST_MYSQL_URL is not set, testcontainers could not start' },
    { dialect: 'mysql', missing: 'TEST_MYSQL_URL is not set, testcontainers could not start' },
  ]);
  t.deepEqual(lines.slice(0, 2), [
    'sqlite: ran on embedded (2 files)',
    'postgresql: ran on local server postgres@127.0.0.1:5432 (1 file)',
  ]);
  t.regex(
    lines[2] ?? '',
    /^mysql: SKIPPED in 2 files: TEST_MYSQL_URL is not set, .*; to run it, set TEST_MYSQL_URL=/,
  );
  t.regex(lines[2] ?? '', /a local MySQL\/MariaDB with root and no password on 127\.0\.0\.1:3306/);
  t.is(lines.length, 3);
});
