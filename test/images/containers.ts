// A container runtime (podman or docker, whichever answers) driven the way the kubelet drives
// one: a rendered container spec becomes `run` flags, SIGTERM and SIGKILL go through the runtime,
// and memory is read from the container's own cgroup.
import { execFile, spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';

const exec = promisify(execFile);

// biome-ignore lint/suspicious/noExplicitAny: rendered Kubernetes objects
type Any = any;

export type Runtime = { name: 'podman' | 'docker'; global: string[] };

// crun, podman's default runtime, fails on a cgroup v1 or hybrid host, and the systemd cgroup
// manager needs systemd as init: runc and cgroupfs work everywhere podman is installed with runc.
function podmanGlobal(): string[] {
  const global: string[] = [];
  if (spawnSync('runc', ['--version'], { stdio: 'ignore' }).status === 0)
    global.push('--runtime', 'runc');
  if (!existsSync('/run/systemd/system')) global.push('--cgroup-manager', 'cgroupfs');
  return global;
}

/** The runtime to use ($CONTAINER_RUNTIME, else podman, else docker), or why there is none. */
export function findRuntime(): Runtime | { missing: string } {
  const wanted = process.env.CONTAINER_RUNTIME;
  const candidates = wanted ? [wanted] : ['podman', 'docker'];
  const reasons: string[] = [];
  for (const name of candidates) {
    if (name !== 'podman' && name !== 'docker') {
      reasons.push(`CONTAINER_RUNTIME=${name} is neither podman nor docker`);
      continue;
    }
    const global = name === 'podman' ? podmanGlobal() : [];
    const info = spawnSync(name, [...global, 'info'], { encoding: 'utf8' });
    if (info.status === 0) return { name, global };
    reasons.push(
      info.error
        ? `${name} is not installed`
        : `${name} info: ${info.stderr.trim().split('\n')[0]}`,
    );
  }
  return {
    missing: `no container runtime answers (${reasons.join('; ')}; apt-get install podman buildah runc uidmap)`,
  };
}

export async function runtimeCommand(
  runtime: Runtime,
  args: string[],
  options: { timeoutMs?: number } = {},
): Promise<string> {
  const { stdout } = await exec(runtime.name, [...runtime.global, ...args], {
    maxBuffer: 64 * 1024 * 1024,
    timeout: options.timeoutMs ?? 120_000,
  });
  return stdout.trim();
}

/** Kubernetes quantities (256Mi, 1G, 500m) in bytes or cores. */
export function quantity(value: string | number): number {
  if (typeof value === 'number') return value;
  const match = /^([0-9.]+)(Ki|Mi|Gi|Ti|k|M|G|T|m)?$/.exec(value);
  if (!match) throw new Error(`not a quantity: ${value}`);
  const factors: Record<string, number> = {
    Ki: 2 ** 10,
    Mi: 2 ** 20,
    Gi: 2 ** 30,
    Ti: 2 ** 40,
    k: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
    m: 1e-3,
  };
  return Number(match[1]) * (match[2] ? (factors[match[2]] as number) : 1);
}

export type PodRun = {
  pod: Any; // the pod spec (Deployment/Job template spec or Pod spec)
  container: Any;
  image: string;
  env: Record<string, string>; // the pod's env, Secrets resolved (the image's ENV stays)
  hosts: string[]; // cluster DNS names answered with this machine (--network host)
  name: string;
};

/**
 * The `run` flags for a container as the kubelet would start it: command/args, env, the pod's and
 * the container's securityContext, the memory and CPU limits (no swap, as on a node), and each
 * emptyDir as a tmpfs of its sizeLimit.
 */
export function runFlags(runtime: Runtime, spec: PodRun): string[] {
  const { pod, container } = spec;
  const security = { ...pod.securityContext, ...container.securityContext };
  const flags = ['run', '--detach', '--name', spec.name, '--network', 'host'];
  // Kubernetes' defaults for a pod (containerd's), where the runtime's would be lower.
  flags.push('--ulimit', 'nofile=16384:16384', '--ulimit', 'nproc=4096:4096');
  if (security.runAsUser === undefined || security.runAsNonRoot !== true)
    throw new Error(`${spec.name}: the pod must run as a set non-root uid`);
  flags.push('--user', `${security.runAsUser}:${security.runAsGroup ?? security.runAsUser}`);
  if (security.fsGroup !== undefined) flags.push('--group-add', String(security.fsGroup));
  if (security.readOnlyRootFilesystem) {
    flags.push('--read-only');
    // podman mounts its own tmpfs on /tmp, /run and /var/tmp with --read-only: the pod has none.
    if (runtime.name === 'podman') flags.push('--read-only-tmpfs=false');
  }
  if (security.allowPrivilegeEscalation === false)
    flags.push('--security-opt', 'no-new-privileges');
  if (security.privileged) throw new Error(`${spec.name}: privileged containers are not run here`);
  for (const cap of security.capabilities?.drop ?? []) flags.push('--cap-drop', cap);
  for (const cap of security.capabilities?.add ?? []) flags.push('--cap-add', cap);
  if (security.seccompProfile && security.seccompProfile.type !== 'RuntimeDefault')
    throw new Error(`${spec.name}: seccomp ${security.seccompProfile.type} is not run here`);
  const limits = container.resources?.limits ?? {};
  if (limits.memory !== undefined) {
    const bytes = String(quantity(limits.memory));
    flags.push('--memory', bytes, '--memory-swap', bytes);
  }
  if (limits.cpu !== undefined) flags.push('--cpus', String(quantity(limits.cpu)));
  const volumes = new Map<string, Any>((pod.volumes ?? []).map((v: Any) => [v.name, v]));
  for (const mount of container.volumeMounts ?? []) {
    const volume = volumes.get(mount.name);
    if (!volume?.emptyDir) throw new Error(`${spec.name}: volume ${mount.name} is not an emptyDir`);
    const size = volume.emptyDir.sizeLimit ? quantity(volume.emptyDir.sizeLimit) : undefined;
    // An emptyDir directory is world-writable (0777); the tmpfs enforces sizeLimit at once, where
    // the kubelet would evict the pod.
    flags.push(
      '--mount',
      `type=tmpfs,destination=${mount.mountPath},tmpfs-mode=1777${size ? `,tmpfs-size=${size}` : ''}`,
    );
  }
  for (const host of spec.hosts) flags.push('--add-host', `${host}:127.0.0.1`);
  for (const [key, value] of Object.entries(spec.env)) flags.push('--env', `${key}=${value}`);
  // command replaces the image's ENTRYPOINT, args its CMD.
  const [entrypoint, ...rest] = (container.command ?? []) as string[];
  if (entrypoint === undefined) throw new Error(`${spec.name}: the chart sets no command`);
  flags.push('--entrypoint', entrypoint, spec.image, ...rest, ...(container.args ?? []));
  return flags;
}

export type ContainerState = {
  running: boolean;
  exitCode: number;
  oomKilled: boolean;
  pid: number;
};

export async function state(runtime: Runtime, name: string): Promise<ContainerState> {
  const out = await runtimeCommand(runtime, [
    'inspect',
    '--format',
    '{{.State.Running}} {{.State.ExitCode}} {{.State.OOMKilled}} {{.State.Pid}}',
    name,
  ]);
  const [running, exitCode, oomKilled, pid] = out.split(' ');
  return {
    running: running === 'true',
    exitCode: Number(exitCode),
    oomKilled: oomKilled === 'true',
    pid: Number(pid),
  };
}

/** Waits for the container to exit, at most timeoutMs; resolves with its state. */
export async function waitForExit(
  runtime: Runtime,
  name: string,
  timeoutMs: number,
): Promise<ContainerState> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const current = await state(runtime, name);
    if (!current.running || Date.now() > deadline) return current;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The kubelet's stop: SIGTERM, SIGKILL after the grace period (`stop --time`). */
export function stop(runtime: Runtime, name: string, graceSeconds: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      runtime.name,
      [...runtime.global, 'stop', '--time', String(graceSeconds), name],
      { stdio: 'ignore' },
    );
    child.on('error', reject);
    child.on('close', () => resolve());
  });
}

export async function logs(runtime: Runtime, name: string, lines = 20): Promise<string> {
  try {
    const { stdout, stderr } = await exec(runtime.name, [
      ...runtime.global,
      'logs',
      '--tail',
      String(lines),
      name,
    ]);
    return `${stdout}${stderr}`.trim();
  } catch (error) {
    return `(no logs: ${(error as Error).message})`;
  }
}

export type Memory = { usage: number; peak?: number; anon?: number; limit: number };

// The memory cgroup of a process: cgroup v2 (unified) or the v1 memory controller.
function memoryCgroup(pid: number): { dir: string; v2: boolean } {
  const lines = readFileSync(`/proc/${pid}/cgroup`, 'utf8').trim().split('\n');
  const v1 = lines.find((line) => line.split(':')[1]?.split(',').includes('memory'));
  if (v1) return { dir: `/sys/fs/cgroup/memory${v1.split(':')[2]}`, v2: false };
  const v2 = lines.find((line) => line.startsWith('0::'));
  if (v2) return { dir: `/sys/fs/cgroup${v2.slice(3)}`, v2: true };
  throw new Error(`no memory cgroup for pid ${pid}`);
}

const readNumber = (file: string): number | undefined => {
  if (!existsSync(file)) return undefined;
  const text = readFileSync(file, 'utf8').trim();
  return text === 'max' ? Number.POSITIVE_INFINITY : Number(text);
};

function statValue(dir: string, key: string): number | undefined {
  const line = readFileSync(`${dir}/memory.stat`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${key} `));
  return line ? Number(line.split(' ')[1]) : undefined;
}

/** What the kernel charges the container (what its OOM killer acts on), with the peak so far. */
export function memory(pid: number): Memory {
  const { dir, v2 } = memoryCgroup(pid);
  if (v2)
    return {
      usage: readNumber(`${dir}/memory.current`) as number,
      peak: readNumber(`${dir}/memory.peak`),
      anon: statValue(dir, 'anon'),
      limit: readNumber(`${dir}/memory.max`) as number,
    };
  return {
    usage: readNumber(`${dir}/memory.usage_in_bytes`) as number,
    peak: readNumber(`${dir}/memory.max_usage_in_bytes`),
    anon: statValue(dir, 'total_rss') ?? statValue(dir, 'rss'),
    limit: readNumber(`${dir}/memory.limit_in_bytes`) as number,
  };
}

export const mib = (bytes: number | undefined) =>
  bytes === undefined ? 'n/a' : `${(bytes / 2 ** 20).toFixed(1)} MiB`;
