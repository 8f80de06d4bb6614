// Baseline REST service: node:http and the raw driver serving both list endpoints with the same
// SQL and responses, statistics computed at most once per second (one computation in flight),
// and one grpc-js call to the baseline point service per users request.
import { createServer } from 'node:http';
import { formatFixed2 } from '@backend/common/format';
import * as grpc from '@grpc/grpc-js';
import { protobufjsPoint } from '../../proto/point.ts';
import { openRawDatabase } from './sql.ts';

const database = openRawDatabase(process.env.DATABASE_URL as string);
const points = new protobufjsPoint.Client(
  process.env.POINT_SERVICE_ADDR as string,
  grpc.credentials.createInsecure(),
);
const user = database.table('user');

const columns: Record<string, string[]> = {
  users: ['id', 'name', 'email', 'age', 'salary', 'department_id'],
  departments: ['id', 'name', 'address'],
};

let stats: { value: Record<string, string>; at: number } | undefined;
let statsInFlight: Promise<Record<string, string>> | undefined;
function statistics() {
  if (stats && Date.now() - stats.at < 1_000) return Promise.resolve(stats.value);
  statsInFlight ??= database
    .query(
      // The user service's statistics SQL: running totals (migration 0004) and index ends.
      `select sum(users) as users, sum(aged) as aged, sum(age_sum) as age_sum,
              (select max(age) from ${user}) as high_age, (select min(age) from ${user}) as low_age,
              sum(paid) as paid, sum(salary_sum) as salary_sum,
              (select max(salary) from ${user}) as high_salary, (select min(salary) from ${user}) as low_salary
       from user_statistics`,
    )
    .then(([row = {}]) => {
      const n = (key: string) => Number(row[key] ?? 0);
      const value = {
        high_age: String(n('high_age')),
        low_age: String(n('low_age')),
        avg_age: formatFixed2(n('aged') ? n('age_sum') / n('aged') : 0),
        high_salary: formatFixed2(n('high_salary')),
        low_salary: formatFixed2(n('low_salary')),
        avg_salary: formatFixed2(n('paid') ? n('salary_sum') / n('paid') : 0),
        count: String(n('users')),
      };
      stats = { value, at: Date.now() };
      return value;
    })
    .finally(() => {
      statsInFlight = undefined;
    });
  return statsInFlight;
}

function pageOf(query: URLSearchParams, allowed: string[]) {
  const limit = Number(query.get('limit') || 1000);
  const page = Number(query.get('page') || 0);
  const orderBy = query.get('orderby') || 'name';
  const direction = (query.get('sort') || 'asc').toLowerCase() === 'desc' ? 'desc' : 'asc';
  if (!allowed.includes(orderBy) || !(limit >= 1 && limit <= 1000) || !(page >= 0))
    return undefined;
  return {
    limit,
    offset: limit * (Math.max(page, 1) - 1),
    order: `${orderBy} ${direction}, id ${direction}`,
    orderOf: (alias: string) => `${alias}.${orderBy} ${direction}, ${alias}.id ${direction}`,
  };
}

const getUserListPoints = (ids: string[]) =>
  new Promise<Record<string, number>>((resolve, reject) =>
    points.GetUserListPoints(
      { user_ids: ids },
      new grpc.Metadata(),
      { deadline: Date.now() + 2_000 },
      (error, reply) => (error || !reply ? reject(error) : resolve(reply.user_points)),
    ),
  );

const server = createServer(async (request, response) => {
  const url = new URL(request.url ?? '/', 'http://x');
  const send = (status: number, body: unknown) => {
    response.writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'access-control-allow-origin': '*',
    });
    response.end(JSON.stringify(body));
  };
  try {
    if (url.pathname === '/__queries') return send(200, { queries: database.queries });
    if (url.pathname === '/readyz') return send(200, { result: 'success' });
    const resource =
      url.pathname === '/api/users/v1/users'
        ? 'users'
        : url.pathname === '/api/departments/v1/departments'
          ? 'departments'
          : undefined;
    if (!resource) return send(404, { result: 'failure', data: { message: 'not found' } });
    const page = pageOf(url.searchParams, columns[resource] as string[]);
    if (!page) return send(400, { result: 'failure', data: { message: 'bad parameter' } });
    if (resource === 'departments') {
      const [list, [count = {}]] = await Promise.all([
        database.query(
          `select id, name, address from department order by ${page.order} limit ? offset ?`,
          [page.limit, page.offset],
        ),
        database.query('select count(*) as n from department'),
      ]);
      return send(200, { result: 'success', data: { count: String(count.n), list } });
    }
    const [list, figures] = await Promise.all([
      database
        .query(
          // The user service's page SQL: the skipped rows are skipped in the index only.
          database.mysql
            ? `select u.id, u.name, u.email, u.department_id, u.age, u.salary from ${user} u join (select id from ${user} order by ${page.order} limit ? offset ?) p on p.id = u.id order by ${page.orderOf('u')}`
            : `select id, name, email, department_id, age, salary from ${user} where id = any(array(select id from ${user} order by ${page.order} limit ? offset ?)) order by ${page.order}`,
          [page.limit, page.offset],
        )
        .then(async (rows) => {
          const totals = rows.length
            ? await getUserListPoints(rows.map((row) => String(row.id)))
            : {};
          return rows.map((row) => ({
            ...row,
            salary: Number(row.salary),
            point: totals[String(row.id)] ?? 0,
          }));
        }),
      statistics(),
    ]);
    send(200, { result: 'success', data: { ...figures, list } });
  } catch {
    send(503, { result: 'failure', data: { message: 'unavailable' } });
  }
});
server.listen(Number(process.env.PORT), '127.0.0.1', () => process.stdout.write('ready\n'));
