import test from 'ava';
import { prettyLogLine } from './pretty-log.ts';

test('a bunyan line becomes time, level, message and the extra fields', (t) => {
  const line = JSON.stringify({
    name: 'user',
    hostname: 'h',
    pid: 1,
    level: 30,
    req_id: 'abc',
    status: 200,
    msg: 'GET /api/users/v1/users 200',
    time: '2026-11-24T14:36:22.353Z',
    v: 0,
  });
  t.is(prettyLogLine(line), '14:36:22.353 INFO  GET /api/users/v1/users 200 req_id=abc status=200');
});

test('errors show their stack on indented lines', (t) => {
  const line = JSON.stringify({
    level: 50,
    msg: 'boom',
    time: '',
    err: { stack: 'Error: x\n  at y' },
  });
  t.is(prettyLogLine(line), ' ERROR boom\n    Error: x\n      at y');
});

test('anything that is not a bunyan record passes through unchanged', (t) => {
  t.is(prettyLogLine('plain text'), 'plain text');
  t.is(prettyLogLine('{"no":"level"}'), '{"no":"level"}');
});
