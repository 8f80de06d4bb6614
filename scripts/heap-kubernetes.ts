// The Kubernetes side of `npm run heap`: pick a Ready pod of the service by the chart's selector
// labels, read its debug port from the pod spec, and port-forward a local TCP port to it.
import { once } from 'node:events';
import { createServer } from 'node:net';
import { Writable } from 'node:stream';
import { CoreV1Api, KubeConfig, PortForward, type V1Pod } from '@kubernetes/client-node';

export type Forwarded = { pod: string; namespace: string; url: string; close(): void };

const isReady = (pod: V1Pod) =>
  !pod.metadata?.deletionTimestamp &&
  pod.status?.phase === 'Running' &&
  (pod.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');

/** DEBUG_ENABLED and DEBUG_PORT as the chart wrote them into the service's container. */
function debugPortOf(pod: V1Pod, service: string): number {
  const containers = pod.spec?.containers ?? [];
  const container = containers.find((c) => c.name === service) ?? containers[0];
  const env = new Map((container?.env ?? []).map((e) => [e.name, e.value]));
  const name = pod.metadata?.name;
  if (env.get('DEBUG_ENABLED') !== 'true') {
    throw new Error(
      `the debug listener is off in pod ${name}: upgrade the release with --set ${service}.debug.enabled=true`,
    );
  }
  return Number(env.get('DEBUG_PORT') ?? 6060);
}

export async function forwardToPod(options: {
  service: string;
  release: string;
  namespace?: string;
}): Promise<Forwarded> {
  const config = new KubeConfig();
  config.loadFromDefault();
  const namespace =
    options.namespace ??
    config.getContextObject(config.getCurrentContext())?.namespace ??
    'default';
  const labelSelector = `app.kubernetes.io/name=${options.service},app.kubernetes.io/instance=${options.release}`;
  const { items } = await config
    .makeApiClient(CoreV1Api)
    .listNamespacedPod({ namespace, labelSelector })
    .catch((error: Error) => {
      const context = config.getCurrentContext() || '(none: no kubeconfig found)';
      throw new Error(
        `cannot list pods in namespace ${namespace} with kube context ${context}: ${error.message}`,
      );
    });
  const pod = items
    .filter(isReady)
    .sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''))[0];
  const name = pod?.metadata?.name;
  if (!pod || !name) {
    throw new Error(
      `no Ready pod in namespace ${namespace} with labels ${labelSelector} (${items.length} pods match; check --release and --namespace)`,
    );
  }
  const port = debugPortOf(pod, options.service);

  // Like `kubectl port-forward`: every local connection becomes one stream to the pod's port.
  const forward = new PortForward(config);
  const server = createServer((socket) => {
    socket.on('error', () => socket.destroy());
    // The pod side reports failures (e.g. nothing listens on the port) on the error channel.
    const errors = new Writable({
      write(chunk, _encoding, done) {
        console.error(`port-forward to ${name}:${port}: ${String(chunk)}`);
        socket.destroy();
        done();
      },
    });
    forward.portForward(namespace, name, [port], socket, errors, socket).then(
      (ws) => {
        if (typeof ws !== 'function') ws.on('close', () => socket.end());
      },
      (error: Error) => {
        console.error(`port-forward to ${name}:${port} failed: ${error.message}`);
        socket.destroy();
      },
    );
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port: local } = server.address() as { port: number };
  return {
    pod: name,
    namespace,
    url: `http://127.0.0.1:${local}`,
    close: () => server.close(),
  };
}
