// Writes charts/*/values.schema.json: charts/service's, and the umbrella's, which closes each of
// department, user and point with the keys of charts/service plus that service's own (user's
// pointClient and statistics, point's grpc), so a key set on the wrong service is refused.
// Every object is closed (additionalProperties: false): Helm then rejects a typo in a value.
// Run: node scripts/generate-chart-schemas.ts   (test/charts/schemas.test.ts checks they are fresh)
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

type Schema = Record<string, unknown>;

const str = (description?: string): Schema => ({
  type: 'string',
  ...(description && { description }),
});
const int = (minimum = 0): Schema => ({ type: 'integer', minimum });
const bool: Schema = { type: 'boolean' };
const port: Schema = { type: 'integer', minimum: 1, maximum: 65535 };
const duration: Schema = { type: 'string', pattern: '^([0-9]+(ms|s|m|h))+$' };
const intOrPercent: Schema = {
  oneOf: [int(0), { type: 'string', pattern: '^[0-9]+%$' }],
};
// Kubernetes objects passed through verbatim: Kubernetes validates their inside.
const k8sObject = (description: string): Schema => ({ type: 'object', description });
const k8sList = (description: string): Schema => ({
  type: 'array',
  items: { type: 'object' },
  description,
});
const stringMap: Schema = { type: 'object', additionalProperties: { type: 'string' } };

function closed(properties: Record<string, Schema>, required: string[] = []): Schema {
  return {
    type: 'object',
    additionalProperties: false,
    properties,
    ...(required.length && { required }),
  };
}

const probe = (extra: Record<string, Schema> = {}): Schema =>
  closed({ periodSeconds: int(1), timeoutSeconds: int(1), failureThreshold: int(1), ...extra });

const peer = closed({
  namespaceSelector: k8sObject('LabelSelector'),
  podSelector: k8sObject('LabelSelector'),
});

const globalSchema = closed({
  clusterDomain: str('cluster DNS domain'),
  database: closed({ existingSecret: str(), existingSecretKey: str(), url: str() }),
  tracing: closed({
    endpoint: { type: 'string', pattern: '^(https?://.+)?$' },
    protocol: { enum: ['http/protobuf', 'http/json'] },
    headersSecret: closed({ name: str(), key: str() }),
    samplerRatio: { type: 'number', minimum: 0, maximum: 1 },
    resourceAttributes: stringMap,
    traceProbes: bool,
  }),
});

const userOnly: Record<string, Schema> = {
  pointClient: closed({
    serviceAddr: str('grpc-js target; empty means point headless Service of this release'),
    port,
    poolSize: int(1),
    resolveIntervalMs: int(0),
    deadlineMs: int(1),
  }),
  statistics: closed({ maxAgeMs: int(0) }),
};
const pointOnly: Record<string, Schema> = {
  grpc: closed({ maxConnectionAgeMs: int(1), maxConnectionAgeGraceMs: int(0) }),
};

// The keys of charts/service/values.yaml. `ports` and `image.repository` are passed in: the
// umbrella requires them per service, charts/service alone leaves them to its own refusal.
function serviceProperties(ports: Schema, repository: Schema): Record<string, Schema> {
  return {
    image: closed({
      repository,
      tag: str(),
      digest: { type: 'string', pattern: '^(sha256:[a-f0-9]{64})?$' },
      pullPolicy: { enum: ['Always', 'IfNotPresent', 'Never'] },
    }),
    imagePullSecrets: k8sList('LocalObjectReference objects'),
    replicaCount: int(0),
    bindAddress: { type: 'string', anyOf: [{ format: 'ipv4' }, { format: 'ipv6' }] },
    ports,
    service: closed({
      type: { enum: ['ClusterIP', 'NodePort', 'LoadBalancer'] },
      annotations: stringMap,
      headless: bool,
    }),
    database: closed({
      poolMin: int(0),
      poolMax: int(1),
      connectTimeoutMs: int(1),
      queryTimeoutMs: int(1),
    }),
    migration: closed({
      enabled: bool,
      extraArgs: { type: 'array', items: { type: 'string' } },
      backoffLimit: int(0),
      activeDeadlineSeconds: int(1),
    }),
    logLevel: { enum: ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] },
    shutdown: closed({ drainDelayMs: int(0), timeoutMs: int(1), graceMarginSeconds: int(0) }),
    debug: closed({ enabled: bool, port }),
    extraEnv: k8sList('EnvVar objects'),
    probes: closed({
      startup: probe(),
      readiness: probe({ grpcService: str() }),
      liveness: probe(),
    }),
    resources: k8sObject('ResourceRequirements'),
    tmpSizeLimit: { type: 'string', pattern: '^[0-9]+(Ki|Mi|Gi)$' },
    podSecurityContext: k8sObject('PodSecurityContext merged over the hardened defaults'),
    securityContext: k8sObject('SecurityContext merged over the hardened defaults'),
    podDisruptionBudget: closed({
      enabled: bool,
      maxUnavailable: intOrPercent,
      minAvailable: { oneOf: [int(0), { type: 'string', pattern: '^([0-9]+%)?$' }] },
    }),
    autoscaling: closed({
      enabled: bool,
      minReplicas: int(1),
      maxReplicas: int(1),
      targetCPUUtilizationPercentage: int(1),
      targetMemoryUtilizationPercentage: int(0),
    }),
    topologySpread: closed({
      enabled: bool,
      maxSkew: int(1),
      whenUnsatisfiable: { enum: ['ScheduleAnyway', 'DoNotSchedule'] },
      topologyKeys: { type: 'array', items: { type: 'string' } },
    }),
    topologySpreadConstraints: k8sList('TopologySpreadConstraint objects'),
    serviceMonitor: closed({
      enabled: bool,
      forceRender: bool,
      namespace: str(),
      labels: stringMap,
      interval: duration,
      scrapeTimeout: duration,
      relabelings: k8sList('RelabelConfig objects'),
      metricRelabelings: k8sList('RelabelConfig objects'),
    }),
    networkPolicy: closed({
      enabled: bool,
      gateway: closed({
        enabled: bool,
        namespaceSelector: k8sObject('LabelSelector'),
        podSelector: k8sObject('LabelSelector'),
        ipBlocks: k8sList('IPBlock objects'),
      }),
      grpcClients: closed({ podSelector: closed({ matchLabels: stringMap }) }),
      monitoring: peer,
      extraIngress: k8sList('NetworkPolicyIngressRule objects'),
    }),
    tests: closed({ httpPath: { type: 'string', pattern: '^(/.*)?$' }, grpcService: str() }),
    commonLabels: stringMap,
    podLabels: stringMap,
    podAnnotations: stringMap,
    nodeSelector: stringMap,
    tolerations: k8sList('Toleration objects'),
    affinity: k8sObject('Affinity'),
    priorityClassName: str(),
    global: globalSchema,
  };
}

const restPorts = closed({ http: port }, ['http']);
const grpcPorts = closed({ grpc: port, http: port }, ['grpc', 'http']);
const service = (ports: Schema, own: Record<string, Schema> = {}): Schema =>
  closed({ ...serviceProperties(ports, { type: 'string', minLength: 1 }), ...own });

const route = closed({
  enabled: bool,
  forceRender: bool,
  parentRefs: {
    type: 'array',
    items: closed(
      { name: { type: 'string', minLength: 1 }, namespace: str(), sectionName: str() },
      ['name'],
    ),
  },
  hostnames: { type: 'array', items: { type: 'string', minLength: 1 } },
  annotations: stringMap,
});

const umbrella: Schema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'backend umbrella chart values',
  ...closed({
    global: globalSchema,
    httpRoute: route,
    grpcRoute: route,
    ingress: closed({
      enabled: bool,
      className: str(),
      annotations: stringMap,
      host: str(),
      tls: closed({ enabled: bool, secretName: str() }),
    }),
    prometheusRule: closed({
      enabled: bool,
      forceRender: bool,
      labels: stringMap,
      errorRatioThreshold: { type: 'number', exclusiveMinimum: 0, maximum: 1 },
      latencyP99Seconds: { type: 'number', exclusiveMinimum: 0 },
      eventLoopLagSeconds: { type: 'number', exclusiveMinimum: 0 },
    }),
    grafanaDashboard: closed({
      enabled: bool,
      namespace: str(),
      labels: stringMap,
      annotations: stringMap,
    }),
    department: service(restPorts),
    user: service(restPorts, userOnly),
    point: service(grpcPorts, pointOnly),
  }),
};

export const chartSchemas: Record<string, Schema> = {
  service: {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'service chart values (one of department, user, point)',
    ...closed({
      ...serviceProperties(closed({ grpc: port, http: port }), str()),
      ...userOnly,
      ...pointOnly,
    }),
  },
  backend: umbrella,
};

export const serializeSchema = (schema: Schema): string => `${JSON.stringify(schema, null, 2)}\n`;

if (import.meta.main) {
  const chartsDir = join(import.meta.dirname, '..', 'charts');
  for (const [chart, schema] of Object.entries(chartSchemas)) {
    writeFileSync(join(chartsDir, chart, 'values.schema.json'), serializeSchema(schema));
  }
}
