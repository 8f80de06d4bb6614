// The user service booted for real on every available database, with a real point service.
import { sampleUserIds } from '@backend/common/database/sample-data';
import { testDatabases, unreachableUrl } from '@backend/common/testing/databases';
import { getJson, isFailure } from '@backend/common/testing/http';
import { type CapturedLogs, captureLogs } from '@backend/common/testing/logs';
import test from 'ava';
import { loadPointConfig } from '../../point/src/config.ts';
import { startPointService } from '../../point/src/main.ts';
import { loadUserConfig } from '../src/config.ts';
import { startUserService } from '../src/main.ts';

const path = '/api/users/v1/users';

const sample = [
  ['Alice Johnson', 'alice.johnson@example.com', 30, 60000, 23],
  ['Bob Smith', 'bob.smith@example.com', 28, 55000, 43],
  ['Charlie Brown', 'charlie.brown@example.com', 35, 70000, 28],
  ['Diana Prince', 'diana.prince@example.com', 32, 80000, 83],
  ['Ethan Hunt', 'ethan.hunt@example.com', 29, 75000, 13],
  ['Fiona Gallagher', 'fiona.gallagher@example.com', 27, 52000, 33],
  ['George Costanza', 'george.costanza@example.com', 40, 90000, 93],
  ['Hannah Baker', 'hannah.baker@example.com', 22, 48000, 13],
  ['Ian Malcolm', 'ian.malcolm@example.com', 38, 85000, 73],
] as const;

const statistics = {
  high_age: '40',
  low_age: '22',
  avg_age: '31.22',
  high_salary: '90000.00',
  low_salary: '48000.00',
  avg_salary: '68333.33',
  count: '9',
};

const databases = await testDatabases();

type Stoppable = { stop(): Promise<void> };
const running: Stoppable[] = [];
test.after.always(async () => {
  for (const service of running.reverse()) await service.stop();
});

async function startUser(env: Record<string, string>, logs = captureLogs('user')) {
  const service = await startUserService(loadUserConfig({ PORT: '0', ...env }), logs.logger);
  running.push(service);
  return `http://127.0.0.1:${service.port}`;
}

for (const database of databases) {
  const tag = `[${database.dialect}]`;
  let base: string;
  let pointTarget: string;
  let pointLogs: CapturedLogs;
  test.before(async () => {
    pointLogs = captureLogs('point');
    const point = await startPointService(
      loadPointConfig({ HOST: '127.0.0.1', PORT: '0', HTTP_PORT: '0', DATABASE_URL: database.url }),
      pointLogs.logger,
    );
    running.push(point);
    pointTarget = `127.0.0.1:${point.port}`;
    // The sample data never changes here: a long statistics bound keeps query counts exact.
    base = await startUser({
      DATABASE_URL: database.url,
      POINT_SERVICE_ADDR: pointTarget,
      STATS_MAX_AGE_MS: '600000',
    });
  });

  const users = async (query = '') => (await getJson(`${base}${path}${query}`)).body.data;
  const names = async (query: string) => (await users(query)).list.map((u: any) => u.name);

  test(`${tag} answers the spec's statistics, count and every user with points`, async (t) => {
    const { status, headers, body } = await getJson(`${base}${path}`);
    t.is(status, 200);
    t.is(headers.get('access-control-allow-origin'), '*');
    t.is(body.result, 'success');
    const { list, ...stats } = body.data;
    t.deepEqual(stats, statistics);
    t.deepEqual(Object.keys(body.data), [...Object.keys(statistics), 'list']);
    t.deepEqual(
      list.map(({ id, department_id, ...rest }: any) => rest),
      sample.map(([name, email, age, salary, point]) => ({ name, email, age, salary, point })),
    );
    for (const user of list) {
      t.deepEqual(Object.keys(user), [
        'id',
        'name',
        'email',
        'department_id',
        'age',
        'salary',
        'point',
      ]);
      t.is(user.id, sampleUserIds[user.name]);
      t.regex(user.department_id, /^d1000000-/);
    }
  });

  test(`${tag} statistics cover all users whatever the page`, async (t) => {
    const page = await users('?limit=2&page=3');
    const { list, ...stats } = page;
    t.deepEqual(stats, statistics);
    t.deepEqual(
      list.map((u: any) => u.name),
      ['Ethan Hunt', 'Fiona Gallagher'],
    );
    const beyond = await users('?limit=5&page=3');
    t.deepEqual(beyond.list, []);
    t.is(beyond.count, '9');
  });

  test(`${tag} orderby and sort are applied, ties broken by id`, async (t) => {
    t.deepEqual(await names('?orderby=age&sort=desc&limit=3'), [
      'George Costanza',
      'Ian Malcolm',
      'Charlie Brown',
    ]);
    t.deepEqual(await names('?orderby=salary&limit=2'), ['Hannah Baker', 'Fiona Gallagher']);
    t.deepEqual(await names('?orderby=email&sort=desc&limit=1'), ['Ian Malcolm']);
    const byDepartment = await users('?orderby=department_id');
    const keys = byDepartment.list.map((u: any) => `${u.department_id}/${u.id}`);
    t.deepEqual(keys, [...keys].sort());
    t.deepEqual(await names('?sort=desc&limit=1&page=9'), ['Alice Johnson']);
  });

  test(`${tag} points of every page come from the point service`, async (t) => {
    const page = await users('?orderby=age&limit=1');
    t.deepEqual(
      page.list.map((u: any) => [u.name, u.point]),
      [['Hannah Baker', 13]],
    );
  });

  const badQueries: [string, RegExp][] = [
    ['limit=0', /^limit must be an integer between 1 and 1000$/],
    ['limit=99999999999', /^limit must be/],
    ['page=-1', /^page must be an integer between 0 and 2147483647$/],
    ['orderby=password', /^orderby must be one of id, name, email, age, salary, department_id$/],
    ['orderby=age%20desc', /^orderby must be one of/],
    ['sort=1', /^sort must be asc or desc$/],
    ['page=1&page=2', /^page must be given at most once$/],
  ];
  for (const [query, message] of badQueries) {
    test(`${tag} ?${query} is a 400 with the failure envelope`, async (t) => {
      const { status, body } = await getJson(`${base}${path}?${query}`);
      t.is(status, 400);
      t.true(isFailure(body, message), JSON.stringify(body));
    });
  }

  // Serial: ava runs these before the concurrent tests, so no other request is counted.
  test.serial(
    `${tag} a users request costs at most two database round trips and one point call`,
    async (t) => {
      const queries = async () => {
        const text = await (await fetch(`${base}/metrics`)).text();
        return text
          .split('\n')
          .filter(
            (line) => line.startsWith('db_queries_total{') && !line.includes('operation="ping"'),
          )
          .reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
      };
      const id = `round-trips-${database.dialect}-${Date.now()}`;
      const before = await queries();
      await getJson(`${base}${path}?limit=3`, { headers: { 'x-request-id': id } });
      const middle = await queries();
      await getJson(`${base}${path}?limit=3&page=2`);
      const after = await queries();
      t.true(middle - before >= 1 && middle - before <= 2, `${middle - before} queries`);
      t.is(after - middle, 1, 'the statistics come from the cache: one query for the page');
      t.is(pointLogs.lines().filter((line) => line.req_id === id).length, 1);
    },
  );

  test(`${tag} the request id reaches the point service`, async (t) => {
    const id = `trace-${database.dialect}-${Date.now()}`;
    await fetch(`${base}${path}?limit=1`, { headers: { 'x-request-id': id } });
    const pointLines = pointLogs.lines().filter((line) => line.req_id === id);
    t.is(pointLines.length, 1);
    t.is(pointLines[0]?.grpc_method, 'GetUserListPoints');
  });

  test(`${tag} a point service that is down gives 503 with the envelope, not a hang`, async (t) => {
    const orphan = await startUser({
      DATABASE_URL: database.url,
      POINT_SERVICE_ADDR: '127.0.0.1:1',
      POINT_DEADLINE_MS: '500',
    });
    const { status, body } = await getJson(`${orphan}${path}`);
    t.is(status, 503);
    t.true(isFailure(body, /^the point service is unavailable$/), JSON.stringify(body));
    t.is((await getJson(`${orphan}/readyz`)).status, 200, 'readiness follows the database only');
  });

  // An embedded SQLite file cannot become unreachable while the process has it open.
  if (database.dialect !== 'sqlite') {
    test(`${tag} a database that is down gives 503 with the envelope and /readyz 503`, async (t) => {
      const logs = captureLogs('user');
      const down = await startUser(
        { DATABASE_URL: unreachableUrl(database), POINT_SERVICE_ADDR: pointTarget },
        logs,
      );
      const { status, body } = await getJson(`${down}${path}`);
      t.is(status, 503);
      t.true(isFailure(body, /^a dependency is unavailable$|did not answer/), JSON.stringify(body));
      const ready = await getJson(`${down}/readyz`);
      t.is(ready.status, 503);
      t.true(isFailure(ready.body, /^not ready: database unreachable$/));
      t.is((await getJson(`${down}/livez`)).status, 200, 'liveness never checks the database');
    });
  }
}
