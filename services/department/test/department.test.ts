// The department service booted for real on every available database.
import { testDatabases, unreachableUrl } from '@backend/common/testing/databases';
import { getJson, isFailure } from '@backend/common/testing/http';
import { captureLogs } from '@backend/common/testing/logs';
import test from 'ava';
import { loadDepartmentConfig } from '../src/config.ts';
import { startDepartmentService } from '../src/main.ts';

const path = '/api/departments/v1/departments';

for (const database of await testDatabases()) {
  const tag = `[${database.dialect}]`;
  let base: string;
  let stop: () => Promise<void>;
  test.before(async () => {
    const service = await startDepartmentService(
      loadDepartmentConfig({ PORT: '0', DATABASE_URL: database.url }),
      captureLogs('department').logger,
    );
    base = `http://127.0.0.1:${service.port}`;
    stop = service.stop;
  });
  test.after.always(() => stop?.());

  const names = async (query: string) => {
    const { status, body } = await getJson(`${base}${path}${query}`);
    return { status, count: body.data?.count, names: body.data?.list?.map((d: any) => d.name) };
  };

  test(`${tag} lists every department by name with the total as a string`, async (t) => {
    const { status, headers, body } = await getJson(`${base}${path}`);
    t.is(status, 200);
    t.is(headers.get('content-type'), 'application/json; charset=utf-8');
    t.is(headers.get('access-control-allow-origin'), '*');
    t.is(body.result, 'success');
    t.is(body.data.count, '3');
    t.deepEqual(
      body.data.list.map(({ name, address }: any) => ({ name, address })),
      [
        { name: 'Finance', address: '456 Elm St, Springfield' },
        { name: 'Human Resources', address: '123 Main St, Springfield' },
        { name: 'IT Support', address: '789 Oak St, Springfield' },
      ],
    );
    for (const department of body.data.list) {
      t.deepEqual(Object.keys(department), ['id', 'name', 'address']);
      t.regex(department.id, /^[0-9a-f-]{36}$/);
    }
  });

  test(`${tag} count is the total, not the page size, on every page`, async (t) => {
    t.deepEqual(await names('?limit=2&page=1'), {
      status: 200,
      count: '3',
      names: ['Finance', 'Human Resources'],
    });
    t.deepEqual(await names('?limit=2&page=2'), { status: 200, count: '3', names: ['IT Support'] });
    t.deepEqual(await names('?limit=2&page=3'), { status: 200, count: '3', names: [] });
  });

  test(`${tag} page 0 and page 1 are the same first page`, async (t) => {
    t.deepEqual(await names('?limit=1&page=0'), await names('?limit=1&page=1'));
  });

  test(`${tag} sort and orderby are applied`, async (t) => {
    t.deepEqual((await names('?sort=desc')).names, ['IT Support', 'Human Resources', 'Finance']);
    t.deepEqual((await names('?orderby=address')).names, [
      'Human Resources',
      'Finance',
      'IT Support',
    ]);
    t.deepEqual((await names('?orderby=address&sort=desc')).names, [
      'IT Support',
      'Finance',
      'Human Resources',
    ]);
    const byId = await getJson(`${base}${path}?orderby=id`);
    const ids = byId.body.data.list.map((d: any) => d.id);
    t.deepEqual(ids, [...ids].sort());
  });

  const badQueries: [string, RegExp][] = [
    ['limit=0', /^limit must be an integer between 1 and 1000$/],
    ['limit=1001', /^limit must be/],
    ['limit=ten', /^limit must be/],
    ['page=-1', /^page must be an integer between 0 and 2147483647$/],
    ['page=1.5', /^page must be/],
    ['orderby=email', /^orderby must be one of id, name, address$/],
    ['orderby=name%3Bdrop%20table%20department', /^orderby must be one of/],
    ['sort=sideways', /^sort must be asc or desc$/],
    ['limit=1&limit=2', /^limit must be given at most once$/],
  ];
  for (const [query, message] of badQueries) {
    test(`${tag} ?${query} is a 400 with the failure envelope naming the parameter`, async (t) => {
      const { status, body } = await getJson(`${base}${path}?${query}`);
      t.is(status, 400);
      t.true(isFailure(body, message), JSON.stringify(body));
    });
  }

  test(`${tag} unknown routes and methods answer with the failure envelope`, async (t) => {
    const missing = await getJson(`${base}/api/departments/v2/departments`);
    t.is(missing.status, 404);
    t.true(isFailure(missing.body, /no route for GET/));
    const post = await getJson(`${base}${path}`, { method: 'POST' });
    t.is(post.status, 405);
    t.true(isFailure(post.body, /not allowed/i));
    t.regex(post.headers.get('allow') ?? '', /GET/);
  });

  test(`${tag} a sane X-Request-Id is echoed and anything else replaced`, async (t) => {
    const kept = await fetch(`${base}${path}`, { headers: { 'x-request-id': 'trace-123.abc' } });
    t.is(kept.headers.get('x-request-id'), 'trace-123.abc');
    const replaced = await fetch(`${base}${path}`, {
      headers: { 'x-request-id': 'x'.repeat(500) },
    });
    t.regex(replaced.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
  });

  test(`${tag} /livez and /readyz answer 200 while the database answers`, async (t) => {
    t.is((await getJson(`${base}/livez`)).status, 200);
    const ready = await getJson(`${base}/readyz`);
    t.deepEqual(ready, { ...ready, status: 200 });
    t.deepEqual(ready.body, { result: 'success', data: { status: 'ready' } });
  });

  test(`${tag} /metrics labels requests by route template and numeric status`, async (t) => {
    await getJson(`${base}${path}?limit=abc`);
    await getJson(`${base}/no/such/path/${Date.now()}`);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    const series = metrics
      .split('\n')
      .filter((line) => line.startsWith('http_request_duration_seconds_count'));
    t.true(
      series.some((line) =>
        ['method="GET"', 'route="/api/departments/v1/departments"', 'status_code="400"'].every(
          (label) => line.includes(label),
        ),
      ),
      series.join('\n'),
    );
    t.regex(metrics, /route="unmatched",status_code="404"/);
    t.notRegex(metrics, /no\/such\/path/);
  });

  // An embedded SQLite file cannot become unreachable while the process has it open.
  if (database.dialect !== 'sqlite') {
    test(`${tag} a database that is down gives 503 with the envelope and /readyz 503`, async (t) => {
      const down = await startDepartmentService(
        loadDepartmentConfig({ PORT: '0', DATABASE_URL: unreachableUrl(database) }),
        captureLogs('department').logger,
      );
      try {
        const downBase = `http://127.0.0.1:${down.port}`;
        const { status, body } = await getJson(`${downBase}${path}`);
        t.is(status, 503);
        t.true(isFailure(body, /^a dependency is unavailable$/), JSON.stringify(body));
        t.is((await getJson(`${downBase}/readyz`)).status, 503);
        t.is((await getJson(`${downBase}/livez`)).status, 200);
      } finally {
        await down.stop();
      }
    });
  }
}
