// flatLineWriter writes the access line itself; these tests hold it to what bunyan writes.
import test from 'ava';
import { flatLineWriter } from './logger.ts';
import { captureLogs } from './testing/logs.ts';

const withoutTime = (line: string) => line.replace(/"time":"[^"]*"/, '"time":…');

test('writes the line bunyan writes for the same fields and message, byte for byte but the time', (t) => {
  const { logger, text } = captureLogs('department');
  const fields = {
    req_id: 'r-1',
    method: 'GET',
    route: '/api/x',
    url: '/api/x?q="quoted"\\ and ünïcode',
    status: 200,
    duration_ms: 1.25,
  };
  logger.info(fields, 'GET /api/x 200');
  flatLineWriter(logger)('info', fields, 'GET /api/x 200');
  const [bunyanLine = '', ours = ''] = text().split('\n');
  t.is(withoutTime(ours), withoutTime(bunyanLine));
  const { time } = JSON.parse(ours) as { time: string };
  t.true(Math.abs(Date.parse(time) - Date.now()) < 5_000, time);
  t.regex(time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
});

test("keeps to the logger's level", (t) => {
  const { logger, lines } = captureLogs('department');
  const write = flatLineWriter(logger);
  write('debug', { n: 1 }, 'shown at debug');
  logger.level('info');
  write('debug', { n: 2 }, 'hidden at info');
  write('info', { n: 3 }, 'shown at info');
  t.deepEqual(
    lines().map(({ level, n, msg }) => ({ level, n, msg })),
    [
      { level: 20, n: 1, msg: 'shown at debug' },
      { level: 30, n: 3, msg: 'shown at info' },
    ],
  );
});

test('a logger it did not make (a child) is written to through bunyan, with its fields', (t) => {
  const { logger, lines } = captureLogs('department');
  flatLineWriter(logger.child({ component: 'http' }))('info', { status: 200 }, 'child line');
  const [line] = lines();
  t.like(line, { name: 'department', component: 'http', status: 200, msg: 'child line' });
});
