// Random and hostile input against the real services: no 5xx, no crash, every 4xx carries the
// failure envelope, and gRPC answers INVALID_ARGUMENT (never UNKNOWN) for bad ids.
// FUZZ_SEED=<n> replays a run; the seed is printed with every run.
import { request } from 'node:http';
import { prepareSqlite } from '@backend/common/testing/databases';
import { captureLogs } from '@backend/common/testing/logs';
import { status } from '@grpc/grpc-js';
import test from 'ava';
import { plainPointClient } from '../proto/point.ts';
import { loadDepartmentConfig } from '../services/department/src/config.ts';
import { startDepartmentService } from '../services/department/src/main.ts';
import { loadPointConfig } from '../services/point/src/config.ts';
import { startPointService } from '../services/point/src/main.ts';
import { loadUserConfig } from '../services/user/src/config.ts';
import { startUserService } from '../services/user/src/main.ts';

const seed = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const CASES = 1_000;

/** mulberry32: small, fast, and the same sequence for the same seed. */
function random(seedValue: number) {
  let state = seedValue >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const hostile = [
  "' or 1=1 --",
  'name; drop table "user"',
  'name desc',
  '(select 1)',
  '1 union select password from users',
  '%00',
  '%0d%0aSet-Cookie:%20x=1',
  '%',
  '%ZZ',
  '%E0%A4%A',
  '__proto__',
  'constructor',
  'toString',
  '\u202eevil',
  'ｎａｍｅ',
  '١٢٣',
  '０',
  '💥🔥',
  'é'.normalize('NFD'),
  '-1',
  '-0',
  '+1',
  '1e3',
  '0x10',
  '1.0',
  ' 1',
  '1 ',
  '9'.repeat(400),
  '-99999999999999999999',
  'NaN',
  'Infinity',
  'null',
  'undefined',
  'true',
  '[]',
  '{}',
  'asc',
  'DESC',
  'name',
  'age',
  '1000',
  '1001',
  '0',
  '2147483647',
  '2147483648',
];
const names = [
  'limit',
  'page',
  'orderby',
  'sort',
  'LIMIT',
  'limit[]',
  'page[0]',
  '__proto__',
  'x',
  '',
];

/** Percent-encodes only what an HTTP request line cannot carry; `%ZZ` and friends stay raw. */
function requestLineSafe(text: string): string {
  return [...text]
    .map((char) => (/^[\x21-\x7e]$/.test(char) && char !== '#' ? char : encodeURIComponent(char)))
    .join('');
}

function hostileQuery(next: () => number): string {
  const pick = <T>(items: readonly T[]) => items[Math.floor(next() * items.length)] as T;
  const value = () => {
    const roll = next();
    if (roll < 0.45) return encodeURIComponent(pick(hostile));
    if (roll < 0.55) return requestLineSafe(pick(hostile)); // broken percent-encoding stays raw
    if (roll < 0.7) return String(Math.floor((next() - 0.5) * 10 ** Math.floor(next() * 22)));
    if (roll < 0.85) {
      const length = Math.floor(next() * 40);
      return encodeURIComponent(
        Array.from({ length }, () => String.fromCodePoint(Math.floor(next() * 0x2fff) + 32)).join(
          '',
        ),
      );
    }
    return 'x'.repeat(Math.floor(next() * 6_000)); // overlong: past the URL limit
  };
  const parts = Array.from({ length: 1 + Math.floor(next() * 5) }, () => {
    const name = pick(names);
    return next() < 0.1 ? name : `${name}=${value()}`;
  });
  return parts.join(next() < 0.9 ? '&' : ';');
}

/** A raw GET, so the URL reaches the server exactly as generated (fetch would normalise it). */
function get(port: number, path: string) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const databaseUrl = await prepareSqlite();

test.before(async (t) => {
  t.log(`FUZZ_SEED=${seed}`);
  const env = { HOST: '127.0.0.1', PORT: '0', DATABASE_URL: databaseUrl };
  const logger = captureLogs('fuzz').logger;
  const point = await startPointService(loadPointConfig({ ...env, HTTP_PORT: '0' }), logger);
  const department = await startDepartmentService(loadDepartmentConfig(env), logger);
  const user = await startUserService(
    loadUserConfig({ ...env, POINT_SERVICE_ADDR: `127.0.0.1:${point.port}` }),
    logger,
  );
  Object.assign(services, { point, department, user });
});
test.after.always(async () => {
  for (const service of Object.values(services)) await service.stop();
});
const services = {} as Record<
  'point' | 'department' | 'user',
  { port: number; stop(): Promise<void> }
>;

for (const [name, path] of [
  ['department', '/api/departments/v1/departments'],
  ['user', '/api/users/v1/users'],
] as const) {
  test(`${name}: ${CASES} hostile query strings give no 5xx, and every 4xx has the envelope`, async (t) => {
    const next = random(seed + name.length);
    const statuses = new Map<number, number>();
    const problems: string[] = [];
    for (let batch = 0; batch < CASES; batch += 25) {
      await Promise.all(
        Array.from({ length: 25 }, async () => {
          const query = hostileQuery(next);
          const response = await get(services[name].port, `${path}?${query}`).catch(
            (error: Error) => ({
              status: 0,
              body: error.message,
            }),
          );
          statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
          let body: any;
          try {
            body = JSON.parse(response.body);
          } catch {}
          const enveloped =
            response.status === 200
              ? body?.result === 'success'
              : body?.result === 'failure' && typeof body.data?.message === 'string';
          if (response.status === 0 || response.status >= 500 || !enveloped) {
            problems.push(
              `${response.status} for ?${query.slice(0, 200)}: ${response.body.slice(0, 200)}`,
            );
          }
        }),
      );
    }
    t.log(`statuses: ${[...statuses].map(([code, count]) => `${code}×${count}`).join(' ')}`);
    t.deepEqual(problems, []);
    t.is((await get(services[name].port, '/livez')).status, 200, 'still alive');
  });
}

test(`point: ${CASES} random user_ids give OK or INVALID_ARGUMENT, never anything else`, async (t) => {
  const next = random(seed);
  const client = plainPointClient(`127.0.0.1:${services.point.port}`);
  const codes = new Map<string, number>();
  const unexpected: string[] = [];
  const hex = () => Math.floor(next() * 16).toString(16);
  const candidates = [
    () =>
      Array.from({ length: 36 }, (_, i) => ([8, 13, 18, 23].includes(i) ? '-' : hex())).join(''),
    () =>
      String.fromCodePoint(
        ...Array.from({ length: Math.floor(next() * 50) }, () => Math.floor(next() * 0xd7ff)),
      ),
    () => hostile[Math.floor(next() * hostile.length)] as string,
    () => 'a1000000-0000-4000-8000-00000000000'.concat(String(Math.floor(next() * 10)), "' --"),
    () => '',
  ];
  try {
    for (let i = 0; i < CASES; i++) {
      const id = (candidates[Math.floor(next() * candidates.length)] as () => string)();
      const call = i % 2 ? client.getUserPoints(id) : client.getUserListPoints([id]);
      const code = await call.then(
        () => 'OK',
        (error: { code: number }) => status[error.code] ?? String(error.code),
      );
      codes.set(code, (codes.get(code) ?? 0) + 1);
      if (code !== 'OK' && code !== 'INVALID_ARGUMENT')
        unexpected.push(`${code} for ${JSON.stringify(id)}`);
    }
  } finally {
    client.close();
  }
  t.log(`codes: ${[...codes].map(([code, count]) => `${code}×${count}`).join(' ')}`);
  t.deepEqual(unexpected, []);
});

test('limits: an overlong URL is 414 and an oversized body 413, both with the envelope', async (t) => {
  const port = services.department.port;
  const long = await get(port, `/api/departments/v1/departments?orderby=${'x'.repeat(5_000)}`);
  t.is(long.status, 414);
  t.is(JSON.parse(long.body).result, 'failure');
  const big = await fetch(`http://127.0.0.1:${port}/api/departments/v1/departments`, {
    method: 'POST',
    body: 'x'.repeat(2 * 1024 * 1024),
  });
  t.is(big.status, 413);
  t.is(((await big.json()) as { result: string }).result, 'failure');
});

test('limits: headers past 16 KiB are 431 and malformed requests 400, with the envelope', async (t) => {
  const port = services.user.port;
  const response = await fetch(`http://127.0.0.1:${port}/livez`, {
    headers: { 'x-padding': 'x'.repeat(20_000) },
  });
  t.is(response.status, 431);
  t.deepEqual(await response.json(), {
    result: 'failure',
    data: { message: 'the request headers are larger than 16 KiB' },
  });
  const { createConnection } = await import('node:net');
  const socket = createConnection(port, '127.0.0.1');
  socket.end('GET / HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n');
  let raw = '';
  for await (const chunk of socket) raw += chunk;
  t.regex(raw, /^HTTP\/1\.1 400 Bad Request/);
  t.regex(raw, /\{"result":"failure","data":\{"message":"the request is not valid HTTP"\}\}$/);
});

test('limits: a gRPC message over 1 MiB is RESOURCE_EXHAUSTED', async (t) => {
  const client = plainPointClient(`127.0.0.1:${services.point.port}`);
  const error = await t.throwsAsync(
    client.getUserListPoints(Array.from({ length: 40_000 }, () => 'x'.repeat(36))),
  );
  client.close();
  t.is((error as unknown as { code: number }).code, status.RESOURCE_EXHAUSTED);
});
