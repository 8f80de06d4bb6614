// Probes run the way the kubelet runs them, and the container's environment built the way the
// kubelet builds it from a rendered pod spec.
import { Client, credentials } from '@grpc/grpc-js';

// biome-ignore lint/suspicious/noExplicitAny: rendered Kubernetes objects
type Any = any;

export type ProbeResult = { ok: boolean; detail: string };

export function resolvePort(container: Any, port: number | string): number {
  if (typeof port === 'number') return port;
  const found = container.ports?.find((p: Any) => p.name === port)?.containerPort;
  if (found === undefined) throw new Error(`container ${container.name} has no port named ${port}`);
  return found;
}

// httpGet: success is a status in [200, 400), like the kubelet (which also sends this User-Agent).
async function httpGetProbe(container: Any, probe: Any): Promise<ProbeResult> {
  const { path = '/', port, scheme = 'HTTP' } = probe.httpGet;
  if (scheme !== 'HTTP') return { ok: false, detail: `unsupported scheme ${scheme}` };
  const url = `http://127.0.0.1:${resolvePort(container, port)}${path}`;
  try {
    const response = await fetch(url, {
      headers: { 'User-Agent': 'kube-probe/1.35', Accept: '*/*' },
      signal: AbortSignal.timeout((probe.timeoutSeconds ?? 1) * 1000),
      redirect: 'manual',
    });
    await response.arrayBuffer();
    return {
      ok: response.status >= 200 && response.status < 400,
      detail: `GET ${url} → ${response.status}`,
    };
  } catch (error) {
    return { ok: false, detail: `GET ${url}: ${(error as Error).message}` };
  }
}

// grpc: grpc.health.v1.Health/Check on the port, success only for SERVING. The messages are
// tiny, so they are encoded by hand: HealthCheckRequest{service=1}, HealthCheckResponse{status=1}.
export function grpcHealthCheck(
  target: string,
  service: string,
  timeoutMs: number,
): Promise<ProbeResult> {
  const name = Buffer.from(service);
  const request = name.length
    ? Buffer.concat([Buffer.from([0x0a, name.length]), name])
    : Buffer.alloc(0);
  const client = new Client(target, credentials.createInsecure());
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      '/grpc.health.v1.Health/Check',
      (b: Buffer) => b,
      (b: Buffer) => b,
      request,
      { deadline: Date.now() + timeoutMs },
      (error, reply) => {
        client.close();
        if (error)
          resolve({ ok: false, detail: `Check(${service}) on ${target}: ${error.message}` });
        else {
          const serving = reply?.length === 2 && reply[0] === 0x08 && reply[1] === 1;
          resolve({
            ok: serving,
            detail: `Check(${service}) on ${target}: ${serving ? 'SERVING' : reply?.toString('hex')}`,
          });
        }
      },
    );
  });
}

export function runProbe(container: Any, probe: Any): Promise<ProbeResult> {
  if (probe.httpGet) return httpGetProbe(container, probe);
  if (probe.grpc) {
    const { port, service = '' } = probe.grpc;
    return grpcHealthCheck(`127.0.0.1:${port}`, service, (probe.timeoutSeconds ?? 1) * 1000);
  }
  return Promise.resolve({ ok: false, detail: `unsupported probe ${JSON.stringify(probe)}` });
}

// Polls like the kubelet: every periodSeconds (shortened to `pollMs` to keep tests fast) until
// success, failing after failureThreshold attempts' worth of the real period.
export async function probeUntilSuccess(
  container: Any,
  probe: Any,
  pollMs = 250,
): Promise<ProbeResult> {
  const budgetMs = (probe.periodSeconds ?? 10) * (probe.failureThreshold ?? 3) * 1000;
  const deadline = Date.now() + budgetMs;
  let last: ProbeResult = { ok: false, detail: 'never ran' };
  while (Date.now() < deadline) {
    last = await runProbe(container, probe);
    if (last.ok) return last;
    await new Promise((r) => setTimeout(r, pollMs));
  }
  return { ok: false, detail: `no success within ${budgetMs} ms; last: ${last.detail}` };
}

// The environment the container gets: the image's ENV (Dockerfile) plus the pod spec's env,
// with secretKeyRef values looked up in `secrets` (name → key → value).
export function containerEnv(
  container: Any,
  imageEnv: Record<string, string>,
  secrets: Record<string, Record<string, string>>,
): Record<string, string> {
  const env: Record<string, string> = { ...imageEnv };
  for (const entry of container.env ?? []) {
    if ('value' in entry) env[entry.name] = String(entry.value);
    else if (entry.valueFrom?.secretKeyRef) {
      const { name, key } = entry.valueFrom.secretKeyRef;
      const value = secrets[name]?.[key];
      if (value === undefined) throw new Error(`${entry.name}: no key ${key} in Secret ${name}`);
      env[entry.name] = value;
    } else throw new Error(`${entry.name}: unsupported env source ${JSON.stringify(entry)}`);
  }
  return env;
}
