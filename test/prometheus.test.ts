// A real Prometheus (Debian's `prometheus` binary) scrapes the three services on loopback every
// second, labelled as the chart's ServiceMonitors would label them (job = Service name, namespace),
// and answers the RED and gRPC questions, and every query of the Grafana dashboard, with data.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { prepareSqlite } from '@backend/common/testing/databases';
import { freePort } from '@backend/common/testing/processes';
import test from 'ava';
import { stringify } from 'yaml';
import { rows } from '../scripts/generate-dashboard.ts';
import { withTool } from './charts/tools.ts';
import { type System, startSystem } from './system.ts';

const databaseUrl = await prepareSqlite();
const jobs = { department: 'rel-department', user: 'rel-user', point: 'rel-point-headless' };

type Series = { metric: Record<string, string>; value: [number, string] };

withTool(
  'prometheus',
  (prometheus) => {
    let system: System;
    let server: ChildProcess | undefined;
    let output = '';
    let dataDir: string;
    let api: string;
    let generating = true;
    let load: Promise<void> | undefined;

    test.before(async () => {
      system = await startSystem(databaseUrl);
      dataDir = await mkdtemp(join(tmpdir(), 'prometheus-'));
      const target = (url: string) => new URL(url).host;
      await writeFile(
        join(dataDir, 'prometheus.yml'),
        stringify({
          global: { scrape_interval: '1s', scrape_timeout: '900ms', evaluation_interval: '1s' },
          scrape_configs: Object.entries(jobs).map(([service, job]) => ({
            job_name: job,
            static_configs: [
              {
                targets: [target(system.http[service as keyof typeof jobs])],
                labels: { namespace: 'backend' },
              },
            ],
          })),
        }),
      );
      const port = await freePort();
      api = `http://127.0.0.1:${port}`;
      server = spawn(
        prometheus,
        [
          `--config.file=${join(dataDir, 'prometheus.yml')}`,
          `--storage.tsdb.path=${join(dataDir, 'data')}`,
          `--web.listen-address=127.0.0.1:${port}`,
          '--log.level=warn',
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      server.stdout?.on('data', (chunk) => (output += chunk));
      server.stderr?.on('data', (chunk) => (output += chunk));
      await until('Prometheus is ready', async () => (await fetch(`${api}/-/ready`)).ok);
      // Steady traffic through every path: REST on both services, user → point over gRPC.
      load = (async () => {
        while (generating) {
          await Promise.all([
            fetch(`${system.http.user}/api/users/v1/users?limit=3`).then((r) => r.text()),
            fetch(`${system.http.department}/api/departments/v1/departments`).then((r) => r.text()),
          ]);
          await sleep(50);
        }
      })();
    });

    test.after.always(async () => {
      generating = false;
      await load?.catch(() => {});
      if (server && server.exitCode === null) {
        server.kill('SIGTERM');
        await once(server, 'exit');
      }
      await system?.stop();
      if (dataDir) await rm(dataDir, { recursive: true, force: true });
    });

    /** Retries `check` until it returns a truthy value, for at most 30 s. */
    async function until<T>(what: string, check: () => Promise<T | false | undefined>): Promise<T> {
      const deadline = Date.now() + 30_000;
      let last: unknown;
      while (Date.now() < deadline) {
        try {
          const result = await check();
          if (result) return result;
          last = result;
        } catch (error) {
          last = error;
        }
        await sleep(250);
      }
      throw new Error(`${what}: still not so after 30 s (last: ${String(last)})\n${output}`);
    }

    async function query(expr: string): Promise<Series[]> {
      const response = await fetch(`${api}/api/v1/query?query=${encodeURIComponent(expr)}`);
      const body = (await response.json()) as { status: string; error?: string; data: any };
      if (body.status !== 'success') throw new Error(`${expr}: ${body.error}`);
      return body.data.result as Series[];
    }

    test.serial('Prometheus scrapes all three services and finds every target up', async (t) => {
      const targets = await until('every target up', async () => {
        const response = await fetch(`${api}/api/v1/targets`);
        const body = (await response.json()) as { data: { activeTargets: any[] } };
        const active = body.data.activeTargets;
        return active.length === 3 && active.every((target) => target.health === 'up') && active;
      });
      t.deepEqual(
        targets.map((target: any) => target.labels.job).sort(),
        Object.values(jobs).sort(),
      );
      const up = await query('up');
      t.deepEqual(
        up.map((s) => [s.metric.job, s.value[1]]).sort(),
        Object.values(jobs)
          .map((job) => [job, '1'])
          .sort(),
      );
    });

    test.serial('a RED query answers the request rate of each service and route', async (t) => {
      const expr =
        'sum by (job, route) (rate(http_request_duration_seconds_count{route!~"/(livez|readyz|metrics)"}[30s]))';
      const series = await until('over one request per second on both REST routes', async () => {
        const result = await query(expr);
        const routes = result.filter((s) => Number(s.value[1]) > 1).map((s) => s.metric.route);
        return routes.includes('/api/users/v1/users') &&
          routes.includes('/api/departments/v1/departments')
          ? result
          : undefined;
      });
      const rateOf = (job: string, route: string) =>
        Number(series.find((s) => s.metric.job === job && s.metric.route === route)?.value[1]);
      t.true(rateOf(jobs.user, '/api/users/v1/users') > 1);
      t.true(rateOf(jobs.department, '/api/departments/v1/departments') > 1);
      const latency = await query(
        'histogram_quantile(0.99, sum by (job, le) (rate(http_request_duration_seconds_bucket{route="/api/users/v1/users"}[30s])))',
      );
      t.true(Number(latency[0]?.value[1]) > 0 && Number(latency[0]?.value[1]) < 5);
    });

    test.serial(
      'gRPC queries answer point’s handled calls by method and code, and user’s calls to it',
      async (t) => {
        const server = await until('point handles GetUserListPoints', async () =>
          (
            await query(
              'sum by (job, grpc_method, grpc_code) (rate(grpc_server_handled_total[30s]))',
            )
          ).find((s) => s.metric.grpc_method === 'GetUserListPoints' && Number(s.value[1]) > 0),
        );
        t.like(server.metric, { job: jobs.point, grpc_code: 'OK' });
        const client = await until('user calls GetUserListPoints', async () =>
          (
            await query(
              'sum by (job, grpc_method, grpc_code) (rate(grpc_client_handled_total[30s]))',
            )
          ).find((s) => s.metric.grpc_method === 'GetUserListPoints' && Number(s.value[1]) > 0),
        );
        t.like(client.metric, { job: jobs.user, grpc_code: 'OK' });
      },
    );

    // Panels that stay empty here, and why: no pool with SQLite, and no 5xx in this traffic.
    const emptyHere = new Set([
      'Pool connections and waiting requests',
      'Errors: share of 5xx answers',
    ]);

    test.serial(
      'every query of the Grafana dashboard is valid PromQL, and each panel shows data',
      async (t) => {
        const resolve = (expr: string) =>
          expr
            .replaceAll('$namespace', 'backend')
            .replaceAll('$job', '.*')
            .replaceAll('$__rate_interval', '30s');
        for (const panel of rows.flatMap((row) => row.panels)) {
          const results = await Promise.all(
            panel.targets.map((target) => query(resolve(target.expr))),
          );
          if (emptyHere.has(panel.title)) continue;
          t.true(
            results.some((series) => series.length > 0),
            `${panel.title}: ${panel.targets.map((target) => target.expr).join(' ; ')}`,
          );
        }
      },
    );
  },
  test,
);
