// The images as the chart runs them: build the three images with podman or docker, then run the
// rendered umbrella chart's containers in them — the migration hook Job first, then every
// Deployment — with the rendered command, args, env, securityContext, memory limit and emptyDir
// mounts, on this machine's network (the database is the local PostgreSQL). The rendered probes
// must pass, every endpoint answers, the helm test pods pass, a heap snapshot through the debug
// listener succeeds under the memory limit the docs recommend, and SIGTERM through the runtime
// ends each service with exit 0 within terminationGracePeriodSeconds, in-flight requests served.
// The log gives each image's size and each service's memory under its cgroup.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { checkHealth } from '@backend/common/grpc/health-client';
import { freePort } from '@backend/common/testing/processes';
import test, { type ExecutionContext } from 'ava';
import pg from 'pg';
import { plainPointClient } from '../../proto/point.ts';
import {
  type ChartWorkspace,
  createChartWorkspace,
  find,
  type Manifest,
  ofKind,
} from '../charts/helm.ts';
import { containerEnv, probeUntilSuccess, runProbe } from '../charts/kubelet.ts';
import { findTool, repoRoot } from '../charts/tools.ts';
import {
  findRuntime,
  logs,
  type Memory,
  memory,
  mib,
  quantity,
  type Runtime,
  runFlags,
  runtimeCommand,
  state,
  stop,
  waitForExit,
} from './containers.ts';

type Any = any;

// ---- The chart values this suite sets (the only value paths it knows; the rest is read from the
// rendered manifests). The containers share this machine's network, so each listener gets a port
// of its own, a free one; the migration seeds the sample data so that user's listing reaches point.
const taken = new Set<number>();
const port = async (): Promise<number> => {
  const free = await freePort();
  if (taken.has(free)) return port();
  taken.add(free);
  return free;
};
const ports = {
  department: await port(),
  user: await port(),
  pointGrpc: await port(),
  pointHttp: await port(),
  departmentDebug: await port(),
  userDebug: await port(),
  pointDebug: await port(),
  // the second user container, with the debug listener on
  userWithDebug: await port(),
  userWithDebugDebug: await port(),
};
const chartValues = {
  global: { database: { url: 'postgres://placeholder:5432/replaced-below' } },
  department: {
    ports: { http: ports.department },
    debug: { port: ports.departmentDebug },
    migration: { extraArgs: ['--seed'] },
  },
  user: {
    ports: { http: ports.user },
    debug: { port: ports.userDebug },
    pointClient: { port: ports.pointGrpc },
  },
  point: {
    ports: { grpc: ports.pointGrpc, http: ports.pointHttp },
    debug: { port: ports.pointDebug },
  },
};
// The memory limit docs/OPERATIONS.md recommends where the debug listener is on.
const debugMemoryLimit = '512Mi';
const debugValues = (memoryLimit?: string) => ({
  ...chartValues,
  user: {
    ...chartValues.user,
    ports: { http: ports.userWithDebug },
    debug: { enabled: true, port: ports.userWithDebugDebug },
    ...(memoryLimit ? { resources: { limits: { memory: memoryLimit } } } : {}),
  },
});
// ----

const exec = promisify(execFile);
const release = 'rel';
const namespace = 'backend';
const services = ['department', 'user', 'point'] as const;
type Service = (typeof services)[number];
const run = randomBytes(3).toString('hex');
const imageTag = (service: string) => `localhost/backend-${service}:test`;
const dockerfile = readFileSync(join(repoRoot, 'Dockerfile'), 'utf8');
const defaultBase = /^ARG BASE_IMAGE=(\S+)$/m.exec(dockerfile)?.[1] as string;

// Everything the suite needs, or why it cannot run.
async function prerequisites(): Promise<
  | { runtime: Runtime; helm: string; postgres: string; base: { image: string } | { script: true } }
  | { missing: string }
> {
  const runtime = findRuntime();
  if ('missing' in runtime) return runtime;
  const helm = findTool('helm');
  if ('missing' in helm) return helm;
  const postgres = process.env.TEST_POSTGRES_URL;
  if (!postgres)
    return { missing: 'TEST_POSTGRES_URL is not set (the containers need PostgreSQL)' };
  const base = await baseImage(runtime);
  if ('missing' in base) return base;
  return { runtime, helm: helm.path, postgres, base };
}

const present = (runtime: Runtime, image: string) =>
  runtimeCommand(runtime, ['image', 'inspect', image]).then(
    () => true,
    () => false,
  );

// $TEST_BASE_IMAGE, else the Dockerfile's default if present or pullable, else the one
// scripts/build-base-image.sh assembles from Debian's packages (built by the first test).
async function baseImage(
  runtime: Runtime,
): Promise<{ image: string } | { script: true } | { missing: string }> {
  const wanted = process.env.TEST_BASE_IMAGE;
  if (wanted)
    return (await present(runtime, wanted))
      ? { image: wanted }
      : { missing: `TEST_BASE_IMAGE=${wanted} is not an image ${runtime.name} has` };
  if (await present(runtime, defaultBase)) return { image: defaultBase };
  const pulled = await runtimeCommand(runtime, ['pull', defaultBase], { timeoutMs: 120_000 }).then(
    () => undefined,
    (error: Error) => error.message.split('\n').filter(Boolean).pop(),
  );
  if (pulled === undefined) return { image: defaultBase };
  const needs = [
    process.getuid?.() === 0 ? '' : 'root',
    existsSync('/usr/sbin/debootstrap') ? '' : 'debootstrap',
  ].filter(Boolean);
  if (needs.length > 0)
    return {
      missing: `${defaultBase} cannot be pulled (${pulled}) and scripts/build-base-image.sh needs ${needs.join(' and ')}`,
    };
  return { script: true };
}

const ready = await prerequisites();
if ('missing' in ready) {
  if (process.env.TEST_REQUIRE_TOOLS === '1')
    test('a container runtime, helm and PostgreSQL are available (TEST_REQUIRE_TOOLS=1)', (t) =>
      t.fail(ready.missing));
  else
    test.skip(`skipped: ${ready.missing} (set TEST_REQUIRE_TOOLS=1 to make this a failure)`, () => {});
} else {
  declareSuite(ready.runtime, ready.helm, ready.postgres, ready.base);
}

function declareSuite(
  runtime: Runtime,
  helm: string,
  postgres: string,
  from: { image: string } | { script: true },
) {
  let workspace: ChartWorkspace;
  let manifests: Manifest[];
  let secrets: Record<string, Record<string, string>>;
  let hosts: string[];
  const database = `images_${run}`;
  const started: string[] = [];
  const running = new Map<Service, { name: string; container: Any; grace: number }>();
  const memoryReport: string[] = [];

  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: postgres });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };

  const deploymentOf = (rendered: Manifest[], service: Service) => {
    const deployment = find(rendered, 'Deployment', `${release}-${service}`);
    if (!deployment) throw new Error(`the chart renders no Deployment ${release}-${service}`);
    return deployment;
  };

  // The image a rendered container names, as built here (same repository name, local tag).
  const localImage = (image: string) => {
    const name = image
      .replace(/[:@].*$/, '')
      .split('/')
      .pop() as string;
    if (!services.includes(name as Service)) throw new Error(`no image is built here for ${image}`);
    return imageTag(name);
  };

  const start = async (name: string, pod: Any, container: Any) => {
    const env = containerEnv(container, {}, secrets);
    const flags = runFlags(runtime, {
      pod,
      container,
      image: localImage(container.image),
      env,
      hosts,
      name,
    });
    started.push(name);
    await runtimeCommand(runtime, flags);
    return name;
  };

  const report = (t: ExecutionContext, line: string) => {
    memoryReport.push(line);
    t.log(line);
  };

  test.before(async () => {
    await admin(`create database ${database}`);
    const url = new URL(postgres);
    url.pathname = `/${database}`;
    workspace = await createChartWorkspace(helm);
    manifests = await workspace.template('backend', { release, namespace, values: chartValues });
    const secret = find(manifests, 'Secret', `${release}-database`);
    if (!secret) throw new Error(`the chart renders no Secret ${release}-database`);
    // The Secret's URL is the one value swapped: the database this suite created.
    secrets = { [secret.metadata.name]: { ...secret.stringData, url: url.toString() } };
    // With the host's network, a Service's DNS name is this machine, and its port must be the
    // container port it targets.
    hosts = ofKind(manifests, 'Service').map(
      (s) => `${s.metadata.name}.${namespace}.svc.cluster.local`,
    );
    for (const service of ofKind(manifests, 'Service'))
      for (const port of service.spec.ports) {
        const deployment = ofKind(manifests, 'Deployment').find((d) =>
          Object.entries(service.spec.selector).every(
            ([k, v]) => d.spec.template.metadata.labels[k] === v,
          ),
        );
        const target = deployment?.spec.template.spec.containers[0].ports.find(
          (p: Any) => p.name === port.targetPort || p.containerPort === port.targetPort,
        );
        if (target?.containerPort !== port.port)
          throw new Error(
            `Service ${service.metadata.name} port ${port.port} is not its container port: set the ports at the top of this file`,
          );
      }
  });

  test.after.always(async () => {
    for (const name of started)
      await runtimeCommand(runtime, ['rm', '--force', name]).catch(() => {});
    workspace?.dispose();
    await admin(`drop database if exists ${database} with (force)`).catch(() => {});
  });

  let base = 'image' in from ? from.image : '';
  test.serial(
    'the base image is there (scripts/build-base-image.sh assembles it where it cannot be pulled)',
    async (t) => {
      t.timeout(15 * 60_000);
      if (!base) {
        const { stdout } = await exec(join(repoRoot, 'scripts/build-base-image.sh'), [], {
          cwd: repoRoot,
          env: { ...process.env, CONTAINER_RUNTIME: runtime.name },
          timeout: 15 * 60_000,
        });
        base = stdout.trim();
      }
      const size = Number(
        await runtimeCommand(runtime, ['image', 'inspect', '--format', '{{.Size}}', base]),
      );
      report(t, `base ${base}: ${mib(size)}`);
      t.pass();
    },
  );

  for (const service of services)
    test.serial(`the ${service} image builds`, async (t) => {
      t.timeout(15 * 60_000);
      const ca = process.env.NODE_EXTRA_CA_CERTS ?? '/etc/ssl/certs/ca-certificates.crt';
      const args = ['build', '--network', 'host', '--build-arg', `BASE_IMAGE=${base}`];
      args.push('--build-arg', `SERVICE=${service}`, '--tag', imageTag(service));
      if (existsSync(ca)) args.push('--secret', `id=ca,src=${ca}`);
      if (runtime.name === 'podman') args.push('--pull=never', '--layers');
      args.push(repoRoot);
      const started = Date.now();
      await exec(runtime.name, [...runtime.global, ...args], {
        env: { ...process.env, DOCKER_BUILDKIT: '1' },
        maxBuffer: 64 * 1024 * 1024,
        timeout: 15 * 60_000,
      }).catch((error) => {
        throw new Error(`${service}: build failed\n${String(error.stderr ?? error).slice(-3000)}`);
      });
      const size = Number(
        await runtimeCommand(runtime, [
          'image',
          'inspect',
          '--format',
          '{{.Size}}',
          imageTag(service),
        ]),
      );
      report(t, `image ${imageTag(service)}: ${mib(size)} (built in ${Date.now() - started} ms)`);
      t.true(size > 0);
    });

  test.serial("the migration hook Job's container runs first and exits 0", async (t) => {
    const jobs = ofKind(manifests, 'Job');
    t.is(jobs.length, 1);
    const job = jobs[0] as Manifest;
    t.regex(job.metadata.annotations?.['helm.sh/hook'] ?? '', /pre-install/);
    const pod = job.spec.template.spec;
    const name = await start(`images-${run}-migrate`, pod, pod.containers[0]);
    const deadline = (job.spec.activeDeadlineSeconds ?? 300) * 1000;
    const done = await waitForExit(runtime, name, deadline);
    t.false(
      done.running,
      `still running after activeDeadlineSeconds\n${await logs(runtime, name)}`,
    );
    t.is(done.exitCode, 0, await logs(runtime, name));
  });

  test.serial(
    'every Deployment starts as rendered and passes its startup, readiness and liveness probes',
    async (t) => {
      for (const service of services) {
        const deployment = deploymentOf(manifests, service);
        const pod = deployment.spec.template.spec;
        const container = pod.containers[0];
        const name = await start(`images-${run}-${service}`, pod, container);
        running.set(service, { name, container, grace: pod.terminationGracePeriodSeconds });
      }
      for (const [service, { name, container }] of running) {
        const { startupProbe, readinessProbe, livenessProbe } = container;
        t.truthy(
          startupProbe && readinessProbe && livenessProbe,
          `${service} has all three probes`,
        );
        const startup = await probeUntilSuccess(container, startupProbe);
        t.true(startup.ok, `${service} startup: ${startup.detail}\n${await logs(runtime, name)}`);
        const readiness = await probeUntilSuccess(container, readinessProbe);
        t.true(
          readiness.ok,
          `${service} readiness: ${readiness.detail}\n${await logs(runtime, name)}`,
        );
        const liveness = await runProbe(container, livenessProbe);
        t.true(liveness.ok, `${service} liveness: ${liveness.detail}`);
      }
    },
  );

  test.serial(
    'the containers run as the securityContext says: uid/gid, read-only root, no capabilities',
    async (t) => {
      for (const [service, { name }] of running) {
        const pod = deploymentOf(manifests, service).spec.template.spec;
        const { pid } = await state(runtime, name);
        const status = readFileSync(`/proc/${pid}/status`, 'utf8');
        const field = (key: string) => new RegExp(`^${key}:\\s+(.*)$`, 'm').exec(status)?.[1] ?? '';
        t.is(field('Uid').split(/\s+/)[0], String(pod.securityContext.runAsUser), `${service} uid`);
        t.is(
          field('Gid').split(/\s+/)[0],
          String(pod.securityContext.runAsGroup),
          `${service} gid`,
        );
        t.is(field('CapEff'), '0000000000000000', `${service} has no capabilities`);
        t.is(field('NoNewPrivs'), '1', `${service} cannot gain privileges`);
        const write = await runtimeCommand(runtime, [
          'exec',
          name,
          'node',
          '-e',
          "const fs=require('fs');let r='';try{fs.writeFileSync('/app/x','')}catch(e){r+=e.code}fs.writeFileSync('/tmp/x','');console.log(r)",
        ]);
        t.is(write, 'EROFS', `${service}: the root filesystem is read-only, /tmp is writable`);
      }
    },
  );

  test.serial(
    'every endpoint answers: REST, /livez, /readyz, /metrics, gRPC and its health service',
    async (t) => {
      const http = async (port: number, path: string) => {
        const response = await fetch(`http://127.0.0.1:${port}${path}`, {
          signal: AbortSignal.timeout(10_000),
        });
        return { status: response.status, text: await response.text() };
      };
      const httpPort = (service: Service) =>
        running.get(service)?.container.ports.find((p: Any) => p.name === 'http').containerPort;
      for (const service of services)
        for (const path of ['/livez', '/readyz', '/metrics']) {
          const { status } = await http(httpPort(service), path);
          t.is(status, 200, `${service} ${path}`);
        }
      const departments = JSON.parse(
        (await http(httpPort('department'), '/api/departments/v1/departments')).text,
      );
      t.is(departments.result, 'success');
      t.true(departments.data.list.length > 0, 'the seeded departments');
      const users = JSON.parse((await http(httpPort('user'), '/api/users/v1/users')).text);
      t.is(users.result, 'success');
      const diana = users.data.list.find((u: Any) => u.name === 'Diana Prince');
      t.is(diana?.point, 83, 'points came from point over gRPC');
      const grpcPort = running
        .get('point')
        ?.container.ports.find((p: Any) => p.name === 'grpc').containerPort;
      const client = plainPointClient(`127.0.0.1:${grpcPort}`);
      try {
        const one = await client.getUserPoints(diana.id);
        t.is(Number(one.user_point), 83);
        const list = await client.getUserListPoints(users.data.list.map((u: Any) => u.id));
        t.truthy(list);
      } finally {
        client.close();
      }
      t.is(await checkHealth(`127.0.0.1:${grpcPort}`, ''), 'SERVING');
    },
  );

  test.serial('the helm test pods pass, run in the images as rendered', async (t) => {
    const pods = ofKind(manifests, 'Pod');
    t.is(pods.length, services.length);
    for (const pod of pods) {
      const name = await start(
        `images-${run}-${pod.metadata.name}`,
        pod.spec,
        pod.spec.containers[0],
      );
      const done = await waitForExit(runtime, name, 60_000);
      t.is(done.exitCode, 0, `${pod.metadata.name}: ${await logs(runtime, name)}`);
    }
  });

  const measure = async (t: ExecutionContext, label: string, name: string): Promise<Memory> => {
    const { pid } = await state(runtime, name);
    const m = memory(pid);
    // RSS also counts the pages of the Node binary and the image's files that this cgroup did
    // not load first, which the kernel charged to another.
    const rss = Number(
      /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1],
    );
    report(
      t,
      `${label}: ${mib(m.usage)} charged (anon ${mib(m.anon)}, peak ${mib(m.peak)}) of ${mib(m.limit)}; RSS ${mib(rss * 1024)}`,
    );
    return m;
  };

  test.serial("each service's memory under its cgroup after the calls", async (t) => {
    for (const [service, { name, container }] of running) {
      const m = await measure(t, `memory ${service}`, name);
      t.is(
        m.limit,
        quantity(container.resources.limits.memory),
        `${service} runs under its memory limit`,
      );
    }
  });

  const heapSnapshot = async (t: ExecutionContext, memoryLimit: string | undefined) => {
    const rendered = await workspace.template('backend', {
      release,
      namespace,
      values: debugValues(memoryLimit),
    });
    const pod = deploymentOf(rendered, 'user').spec.template.spec;
    const container = pod.containers[0];
    const limit = container.resources.limits.memory as string;
    const env = Object.fromEntries(container.env.map((e: Any) => [e.name, e.value]));
    t.is(env.DEBUG_ENABLED, 'true');
    const name = await start(`images-${run}-user-debug-${limit}`, pod, container);
    const startup = await probeUntilSuccess(container, container.startupProbe);
    t.true(startup.ok, `${startup.detail}\n${await logs(runtime, name)}`);
    const readiness = await probeUntilSuccess(container, container.readinessProbe);
    t.true(readiness.ok, readiness.detail);
    const port = container.ports.find((p: Any) => p.name === 'http').containerPort;
    for (let i = 0; i < 20; i++)
      await (await fetch(`http://127.0.0.1:${port}/api/users/v1/users`)).text();
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const heapUsed = Number(
      /^nodejs_heap_size_used_bytes(?:\{[^}]*\})? (\S+)$/m.exec(metrics)?.[1],
    );
    const before = await measure(
      t,
      `user, debug listener on, ${limit} limit, before the snapshot`,
      name,
    );
    const { pid } = await state(runtime, name);
    const snapshot = await fetch(`http://127.0.0.1:${env.DEBUG_PORT}/debug/heap-snapshot`, {
      signal: AbortSignal.timeout(120_000),
    }).then(
      async (response) => ({ status: response.status, body: await response.text() }),
      (error: Error) => ({ status: 0, body: error.message }),
    );
    const after = await state(runtime, name);
    const peak = after.running ? memory(pid).peak : undefined;
    let parsed = false;
    try {
      parsed = Array.isArray(JSON.parse(snapshot.body).nodes);
    } catch {}
    const outcome =
      snapshot.status === 200 && parsed && after.running
        ? `succeeded (${mib(snapshot.body.length)} file)`
        : `failed (HTTP ${snapshot.status}, running ${after.running}, OOM-killed ${after.oomKilled})`;
    report(
      t,
      `heap snapshot of user at ${limit}: ${outcome}; heap in use ${mib(heapUsed)}, charged ${mib(before.usage)} before, peak ${mib(peak)}${peak ? `, +${mib(peak - before.usage)}` : ''}`,
    );
    await stop(runtime, name, pod.terminationGracePeriodSeconds);
    return { ok: snapshot.status === 200 && parsed && after.running, limit };
  };

  test.serial(
    `a heap snapshot through the debug listener succeeds at the ${debugMemoryLimit} limit the docs recommend`,
    async (t) => {
      t.timeout(5 * 60_000);
      const { ok, limit } = await heapSnapshot(t, debugMemoryLimit);
      t.is(limit, debugMemoryLimit);
      t.true(ok);
    },
  );

  test.serial('a heap snapshot at the chart default limit (reported, not asserted)', async (t) => {
    t.timeout(5 * 60_000);
    await heapSnapshot(t, undefined);
    t.pass();
  });

  test.serial(
    'SIGTERM through the runtime: in-flight requests are served, not ready while draining, exit 0 within terminationGracePeriodSeconds',
    async (t) => {
      t.timeout(3 * 60_000);
      const stopping = [...running].map(async ([service, { name, container, grace }]) => {
        const port = container.ports.find(
          (p: Any) => p.name === (service === 'point' ? 'grpc' : 'http'),
        ).containerPort;
        const call = async () => {
          if (service === 'point') {
            const client = plainPointClient(`127.0.0.1:${port}`);
            try {
              await client.getUserListPoints([]);
              return 200;
            } catch (error) {
              return (error as Error).message;
            } finally {
              client.close();
            }
          }
          const path =
            service === 'user' ? '/api/users/v1/users' : '/api/departments/v1/departments';
          return fetch(`http://127.0.0.1:${port}${path}`).then(
            async (r) => {
              await r.text();
              return r.status;
            },
            (error: Error) => error.message,
          );
        };
        const inFlight = Array.from({ length: 10 }, call);
        const began = Date.now();
        const stopped = stop(runtime, name, grace);
        await new Promise((resolve) => setTimeout(resolve, 1000));
        const readiness = await runProbe(container, container.readinessProbe);
        t.false(readiness.ok, `${service} still ready while draining: ${readiness.detail}`);
        const results = await Promise.all([...inFlight, call()]);
        t.deepEqual(
          results,
          results.map(() => 200),
          `${service}: requests in flight and while draining`,
        );
        const done = await waitForExit(runtime, name, grace * 1000 + 5000);
        await stopped;
        t.false(done.running);
        t.is(
          done.exitCode,
          0,
          `${service} exited after ${Date.now() - began} ms (grace ${grace} s)\n${await logs(runtime, name)}`,
        );
        t.true(
          Date.now() - began < grace * 1000,
          `${service} within terminationGracePeriodSeconds`,
        );
      });
      await Promise.all(stopping);
    },
  );

  test.serial('report: image sizes and memory under the cgroup', (t) => {
    for (const line of memoryReport) t.log(line);
    t.true(memoryReport.length > 0);
  });
}
