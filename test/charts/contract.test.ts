// The chart contract: render the umbrella chart, run the migration Job's command and then every
// Deployment's container (command, args, env, ports exactly as rendered; only the database URL
// in the Secret is swapped for a local SQLite file and the ports for free ones), probe each one
// the way the kubelet would, call them the way the `helm test` pods do, and stop them the way
// Kubernetes does. The chart and the services cannot drift apart without this going red.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { departmentSchema } from '../../services/department/src/config.ts';
import { pointSchema } from '../../services/point/src/config.ts';
import { userSchema } from '../../services/user/src/config.ts';
import { type ChartWorkspace, createChartWorkspace, find, type Manifest, ofKind } from './helm.ts';
import { containerEnv, probeUntilSuccess, runProbe } from './kubelet.ts';
import { repoRoot, withTool } from './tools.ts';

type Any = any;

// The ENV lines of the Dockerfile: the image's environment underneath the pod's.
const imageEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin', NODE_ENV: 'production' };
const release = 'rel';
const namespace = 'backend';
const services = ['department', 'user', 'point'] as const;

type Running = {
  name: string;
  container: Any;
  child: ChildProcess;
  output: string[];
  exit: Promise<number | null>;
};

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

// `node` in the manifest is the image's Node 24: here, the one running this test.
function startContainer(name: string, container: Any, env: Record<string, string>): Running {
  const [command, ...commandArgs] = container.command as string[];
  if (command !== 'node') throw new Error(`${name}: unexpected command ${command}`);
  const child = spawn(process.execPath, [...commandArgs, ...(container.args ?? [])], {
    cwd: repoRoot, // the image's WORKDIR /app holds the repository layout
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { name, container, child, output, exit };
}

// The image is the repository tree, read-only in the pod (readOnlyRootFilesystem): the
// processes may write only to /tmp. Lists every path under the repository but dependencies,
// git data and the tools cache, to see what the processes wrote.
function repositoryFiles(dir = repoRoot, prefix = ''): Set<string> {
  const found = new Set<string>();
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (['node_modules', '.git', '.tools'].includes(entry.name)) continue;
    const path = `${prefix}${entry.name}`;
    found.add(path);
    if (entry.isDirectory())
      for (const inner of repositoryFiles(join(dir, entry.name), `${path}/`)) found.add(inner);
  }
  return found;
}

const tail = (running: Running) => running.output.join('').split('\n').slice(-15).join('\n');

withTool(
  'helm',
  (helm) => {
    let workspace: ChartWorkspace;
    let dataDir: string;
    let manifests: Manifest[];
    let secrets: Record<string, Record<string, string>>;
    let filesBefore: Set<string>;
    const running = new Map<string, Running>();

    test.before(async () => {
      workspace = await createChartWorkspace(helm);
      dataDir = mkdtempSync(join(tmpdir(), 'chart-contract-'));
      const ports = {
        department: await freePort(),
        user: await freePort(),
        grpc: await freePort(),
        http: await freePort(),
      };
      manifests = await workspace.template('backend', {
        release,
        namespace,
        values: {
          global: { database: { url: 'postgres://placeholder:5432/replaced-below' } },
          department: { ports: { http: ports.department }, migration: { extraArgs: ['--seed'] } },
          user: { ports: { http: ports.user }, pointClient: { port: ports.grpc } },
          point: { ports: { grpc: ports.grpc, http: ports.http } },
        },
      });
      // The Secret's URL is the one thing swapped: a database this machine has.
      const secret = find(manifests, 'Secret', `${release}-database`) as Manifest;
      secrets = {
        [secret.metadata.name]: {
          ...secret.stringData,
          url: `sqlite:${join(dataDir, 'contract.sqlite')}`,
        },
      };
    });

    test.after.always(async () => {
      for (const r of running.values()) r.child.kill('SIGKILL');
      workspace?.dispose();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    });

    test.serial(
      'each Deployment sets exactly the variables its service reads (no dead knobs, nothing unmapped)',
      (t) => {
        const schemas: Record<string, object> = {
          department: departmentSchema,
          user: userSchema,
          point: pointSchema,
        };
        for (const name of services) {
          const container = find(manifests, 'Deployment', `${release}-${name}`)?.spec.template.spec
            .containers[0];
          const set = (container.env as { name: string }[]).map((e) => e.name).sort();
          const read = Object.values(schemas[name] as Record<string, { env: string }>)
            .map((entry) => entry.env)
            .sort();
          t.deepEqual(set, read, `${name}: chart env vs services/${name}/src/config.ts`);
        }
      },
    );

    test.serial('the migration hook Job succeeds when run as rendered', async (t) => {
      filesBefore = repositoryFiles();
      const [job] = ofKind(manifests, 'Job');
      const container = job?.spec.template.spec.containers[0];
      const migration = startContainer(
        'migrate',
        container,
        containerEnv(container, imageEnv, secrets),
      );
      const code = await migration.exit;
      t.is(code, 0, tail(migration));
    });

    test.serial(
      'every Deployment starts and passes its startup, readiness and liveness probes',
      async (t) => {
        for (const name of services) {
          const container = find(manifests, 'Deployment', `${release}-${name}`)?.spec.template.spec
            .containers[0];
          const env = containerEnv(container, imageEnv, secrets);
          if (name === 'user') {
            // Outside the cluster DNS, point's headless Service is this machine (the name and port are
            // checked in the next test).
            env.POINT_SERVICE_ADDR =
              env.POINT_SERVICE_ADDR?.replace(/^dns:\/\/\/[^:]+:/, 'dns:///127.0.0.1:') ?? '';
          }
          running.set(name, startContainer(name, container, env));
        }
        for (const [name, r] of running) {
          const { startupProbe, readinessProbe, livenessProbe } = r.container;
          t.truthy(startupProbe && readinessProbe && livenessProbe, `${name} has all three probes`);
          const startup = await probeUntilSuccess(r.container, startupProbe);
          t.true(startup.ok, `${name} startup: ${startup.detail}\n${tail(r)}`);
          const readiness = await probeUntilSuccess(r.container, readinessProbe);
          t.true(readiness.ok, `${name} readiness: ${readiness.detail}\n${tail(r)}`);
          const liveness = await runProbe(r.container, livenessProbe);
          t.true(liveness.ok, `${name} liveness: ${liveness.detail}\n${tail(r)}`);
        }
      },
    );

    test.serial(
      "user's POINT_SERVICE_ADDR names point's headless Service and point's gRPC container port",
      (t) => {
        const user = find(manifests, 'Deployment', `${release}-user`)?.spec.template.spec
          .containers[0];
        const point = find(manifests, 'Deployment', `${release}-point`)?.spec.template.spec
          .containers[0];
        const address = user.env.find((e: Any) => e.name === 'POINT_SERVICE_ADDR')?.value as string;
        const match = /^dns:\/\/\/([^.]+)\.([^.]+)\.svc\.cluster\.local:(\d+)$/.exec(address);
        t.truthy(match, address);
        const [, serviceName, serviceNamespace, port] = match ?? [];
        const service = find(manifests, 'Service', serviceName ?? '');
        t.is(service?.spec.clusterIP, 'None', `${serviceName} is point's headless Service`);
        t.is(service?.spec.selector['app.kubernetes.io/name'], 'point');
        t.is(serviceNamespace, namespace);
        t.is(Number(port), point.ports.find((p: Any) => p.name === 'grpc').containerPort);
      },
    );

    test.serial(
      'the helm test pods pass against the running services (REST through user reaches point over gRPC)',
      async (t) => {
        for (const pod of ofKind(manifests, 'Pod')) {
          const container = pod.spec.containers[0];
          // Service DNS names → this machine; the ports in the scripts are the Services' ports.
          const script = (container.args[0] as string).replace(
            /[a-z0-9-]+\.backend\.svc\.cluster\.local/g,
            '127.0.0.1',
          );
          const smoke = startContainer(
            pod.metadata.name,
            { command: ['node'], args: ['-e', script] },
            imageEnv,
          );
          t.is(await smoke.exit, 0, `${pod.metadata.name}: ${tail(smoke)}`);
        }
        const userPort = running.get('user')?.container.ports[0].containerPort;
        const body: Any = await (
          await fetch(`http://127.0.0.1:${userPort}/api/users/v1/users`)
        ).json();
        t.is(
          body.data.list.find((u: Any) => u.name === 'Diana Prince')?.point,
          83,
          'points came from point over gRPC',
        );
      },
    );

    test.serial(
      'on SIGTERM each service turns not-ready, drains and exits 0 within terminationGracePeriodSeconds',
      async (t) => {
        const stopping = [...running.values()].map(async (r) => {
          const deployment = find(manifests, 'Deployment', `${release}-${r.name}`) as Manifest;
          const graceMs = deployment.spec.template.spec.terminationGracePeriodSeconds * 1000;
          const started = Date.now();
          r.child.kill('SIGTERM');
          await new Promise((resolve) => setTimeout(resolve, 500));
          const readiness = await runProbe(r.container, r.container.readinessProbe);
          t.false(readiness.ok, `${r.name} still ready while draining: ${readiness.detail}`);
          let timer: NodeJS.Timeout | undefined;
          const killed = new Promise((resolve) => {
            timer = setTimeout(
              () => resolve(`still running after ${graceMs} ms: the kubelet would SIGKILL`),
              graceMs,
            );
          });
          const code = await Promise.race([r.exit, killed]);
          clearTimeout(timer);
          t.is(code, 0, `${r.name} exit after ${Date.now() - started} ms\n${tail(r)}`);
        });
        await Promise.all(stopping);
        running.clear();
      },
    );

    test.serial(
      'nothing was written outside /tmp (the pods run with a read-only root filesystem)',
      (t) => {
        const written = [...repositoryFiles()].filter((path) => !filesBefore.has(path));
        t.deepEqual(written, []);
      },
    );
  },
  test,
);
