// The values matrix the umbrella chart (charts/backend, with charts/service as department, user
// and point) is linted, rendered and validated over.
export const services = ['department', 'user', 'point'] as const;

export const databaseUrl = 'postgres://backend:secret@db.example.internal:5432/backend';
export const serviceMonitorApi = 'monitoring.coreos.com/v1/ServiceMonitor';
export const prometheusRuleApi = 'monitoring.coreos.com/v1/PrometheusRule';
const prometheusRule = { enabled: true, labels: { release: 'kube-prometheus-stack' } };
const grafanaDashboard = { enabled: true, annotations: { grafana_folder: 'Backend' } };

export type ValuesCase = {
  name: string;
  // Values set on each of the three services.
  service: Record<string, unknown>;
  // Values of the umbrella chart itself.
  umbrella?: Record<string, unknown>;
  apiVersions?: string[];
  // Values merged over `service` for the REST services only (department, user).
  rest?: Record<string, unknown>;
};

export const httpRouteApi = 'gateway.networking.k8s.io/v1/HTTPRoute';
export const grpcRouteApi = 'gateway.networking.k8s.io/v1/GRPCRoute';
const parentRefs = [{ name: 'public', namespace: 'gateway-system', sectionName: 'https' }];

const serviceMonitor = {
  enabled: true,
  labels: { release: 'kube-prometheus-stack' },
  interval: '15s',
  scrapeTimeout: '5s',
  relabelings: [
    { sourceLabels: ['__meta_kubernetes_pod_node_name'], targetLabel: 'node', action: 'replace' },
  ],
  metricRelabelings: [{ sourceLabels: ['__name__'], regex: 'nodejs_gc_.*', action: 'drop' }],
};

export const valuesCases: ValuesCase[] = [
  { name: 'defaults', service: {} },
  {
    name: 'tracing',
    service: {},
    umbrella: {
      global: {
        database: { url: databaseUrl },
        tracing: {
          endpoint: 'http://otel-collector.observability:4318',
          protocol: 'http/json',
          headersSecret: { name: 'otlp-auth', key: 'headers' },
          samplerRatio: 0.25,
          resourceAttributes: { 'deployment.environment.name': 'test' },
        },
      },
    },
  },
  {
    name: 'existing secret',
    service: {},
    umbrella: {
      global: { database: { existingSecret: 'backend-db', existingSecretKey: 'DATABASE_URL' } },
    },
  },
  {
    name: 'monitoring on (API present)',
    service: { serviceMonitor },
    umbrella: { prometheusRule, grafanaDashboard },
    apiVersions: [serviceMonitorApi, prometheusRuleApi],
  },
  {
    name: 'monitoring forced (no API)',
    service: { serviceMonitor: { ...serviceMonitor, forceRender: true } },
    umbrella: {
      prometheusRule: { ...prometheusRule, forceRender: true },
      grafanaDashboard: { ...grafanaDashboard, namespace: 'monitoring' },
    },
  },
  {
    name: 'ingress with TLS',
    service: {},
    umbrella: {
      ingress: {
        enabled: true,
        className: 'nginx',
        host: 'api.example.com',
        annotations: { 'cert-manager.io/cluster-issuer': 'letsencrypt' },
        tls: { enabled: true, secretName: 'api-example-com-tls' },
      },
    },
  },
  {
    name: 'gateway routes (API present)',
    service: {},
    umbrella: {
      httpRoute: {
        enabled: true,
        parentRefs,
        hostnames: ['api.example.com'],
        annotations: { 'example.com/owner': 'backend' },
      },
      grpcRoute: { enabled: true, parentRefs, hostnames: ['grpc.example.com'] },
    },
    apiVersions: [httpRouteApi, grpcRouteApi],
  },
  {
    name: 'gateway routes forced (no API)',
    service: {},
    umbrella: {
      httpRoute: { enabled: true, forceRender: true, parentRefs: [{ name: 'backend' }] },
      grpcRoute: { enabled: true, forceRender: true, parentRefs: [{ name: 'backend' }] },
    },
  },
  {
    name: 'network policies on',
    service: { networkPolicy: { enabled: true } },
    rest: {
      networkPolicy: {
        gateway: {
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'gateway-system' } },
          podSelector: { matchLabels: { 'gateway.networking.k8s.io/gateway-name': 'public' } },
          ipBlocks: [{ cidr: '172.18.0.0/16' }],
        },
      },
    },
  },
  {
    name: 'HPA on',
    service: {
      autoscaling: {
        enabled: true,
        minReplicas: 2,
        maxReplicas: 10,
        targetMemoryUtilizationPercentage: 80,
      },
      podDisruptionBudget: { enabled: true, minAvailable: '50%' },
    },
  },
  {
    name: 'dev settings',
    service: {
      logLevel: 'debug',
      debug: { enabled: true, port: 6061 },
      migration: { extraArgs: ['--seed'] },
      image: { tag: 'dev', pullPolicy: 'Never' },
      topologySpread: { enabled: false },
    },
  },
];

export function valuesFor(valuesCase: ValuesCase): Record<string, unknown> {
  const forService = (name: string) =>
    name === 'point' ? valuesCase.service : deepMerge([valuesCase.service, valuesCase.rest ?? {}]);
  return {
    global: { database: { url: databaseUrl } },
    ...Object.fromEntries(services.map((name) => [name, forService(name)])),
    ...valuesCase.umbrella,
  };
}

// Helm's rule for several values files: maps merge key by key, anything else is replaced.
export function deepMerge(layers: object[]): Record<string, unknown> {
  const isMap = (v: unknown): v is Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v);
  const result: Record<string, unknown> = {};
  for (const layer of layers) {
    for (const [key, value] of Object.entries(layer)) {
      const current = result[key];
      result[key] = isMap(current) && isMap(value) ? deepMerge([current, value]) : value;
    }
  }
  return result;
}
