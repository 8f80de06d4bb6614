// What the rendered manifests must mean, beyond being schema-valid.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import test from 'ava';
import { dashboardPath } from '../../scripts/generate-dashboard.ts';
import { databaseUrl, serviceMonitorApi, valuesCases, valuesFor } from './cases.ts';
import { type ChartWorkspace, createChartWorkspace, find, type Manifest, ofKind } from './helm.ts';
import { repoRoot, withTool } from './tools.ts';

const caseNamed = (name: string) => {
  const found = valuesCases.find((c) => c.name === name);
  if (!found) throw new Error(`no values case ${name}`);
  return found;
};

type Any = any;

const podSpecs = (manifests: Manifest[]): { where: string; spec: Any }[] =>
  manifests.flatMap((m) => {
    if (m.kind === 'Deployment' || m.kind === 'Job')
      return [{ where: `${m.kind}/${m.metadata.name}`, spec: m.spec.template.spec }];
    if (m.kind === 'Pod') return [{ where: `Pod/${m.metadata.name}`, spec: m.spec }];
    return [];
  });

const envOf = (deployment: Manifest): Map<string, Any> =>
  new Map(deployment.spec.template.spec.containers[0].env.map((e: Any) => [e.name, e]));

const portNamed = (container: Any, name: string): number | undefined =>
  container.ports?.find((p: Any) => p.name === name)?.containerPort;

withTool(
  'helm',
  (helm) => {
    let workspace: ChartWorkspace;
    let umbrella: Manifest[];
    const render = (name: string, extra: { apiVersions?: string[] } = {}) => {
      const valuesCase = caseNamed(name);
      return workspace.template('backend', {
        values: valuesFor(valuesCase),
        apiVersions: extra.apiVersions ?? valuesCase.apiVersions,
      });
    };
    test.before(async () => {
      workspace = await createChartWorkspace(helm);
      umbrella = await render('defaults');
    });
    test.after.always(() => workspace?.dispose());

    test("point's Service is headless, hides not-ready pods, and carries the gRPC and metrics ports", (t) => {
      const service = find(umbrella, 'Service', 'rel-point-headless');
      t.truthy(service, 'Service rel-point-headless');
      t.is(service?.spec.clusterIP, 'None');
      t.false(service?.spec.publishNotReadyAddresses);
      const ports = Object.fromEntries(service?.spec.ports.map((p: Any) => [p.name, p.port]));
      t.deepEqual(ports, { grpc: 50051, http: 8083 });
      t.deepEqual(service?.spec.selector, {
        'app.kubernetes.io/name': 'point',
        'app.kubernetes.io/instance': 'rel',
      });
    });

    test("user's POINT_SERVICE_ADDR names point's headless Service and point's gRPC container port", (t) => {
      const user = find(umbrella, 'Deployment', 'rel-user') as Manifest;
      const point = find(umbrella, 'Deployment', 'rel-point') as Manifest;
      const grpcPort = portNamed(point.spec.template.spec.containers[0], 'grpc');
      t.is(
        envOf(user).get('POINT_SERVICE_ADDR')?.value,
        `dns:///rel-point-headless.backend.svc.cluster.local:${grpcPort}`,
      );
      t.is(envOf(point).get('PORT')?.value, String(grpcPort));
    });

    test('global.tracing becomes the OTEL_* variables of every service, with the k8s.* attributes from the downward API; none without an endpoint', async (t) => {
      for (const deployment of ofKind(umbrella, 'Deployment')) {
        t.deepEqual(
          [...envOf(deployment).keys()].filter((name) => name.startsWith('OTEL_')),
          [],
        );
      }
      const traced = await render('tracing');
      for (const deployment of ofKind(traced, 'Deployment')) {
        const env = envOf(deployment);
        t.is(
          env.get('OTEL_EXPORTER_OTLP_ENDPOINT')?.value,
          'http://otel-collector.observability:4318',
        );
        t.is(env.get('OTEL_EXPORTER_OTLP_PROTOCOL')?.value, 'http/json');
        t.deepEqual(env.get('OTEL_EXPORTER_OTLP_HEADERS')?.valueFrom, {
          secretKeyRef: { name: 'otlp-auth', key: 'headers' },
        });
        t.is(env.get('OTEL_TRACES_SAMPLER')?.value, 'parentbased_traceidratio');
        t.is(env.get('OTEL_TRACES_SAMPLER_ARG')?.value, '0.25');
        t.is(env.get('K8S_NODE_NAME')?.valueFrom.fieldRef.fieldPath, 'spec.nodeName');
        t.is(
          env.get('OTEL_RESOURCE_ATTRIBUTES')?.value,
          'k8s.pod.name=$(K8S_POD_NAME),k8s.namespace.name=$(K8S_NAMESPACE_NAME),k8s.node.name=$(K8S_NODE_NAME),deployment.environment.name=test',
        );
        // $(VAR) expands only variables defined earlier in the list.
        const names = [...env.keys()];
        t.true(names.indexOf('K8S_POD_NAME') < names.indexOf('OTEL_RESOURCE_ATTRIBUTES'));
      }
    });

    test('every pod (services, migration, tests) runs hardened, with /tmp as its only writable path', (t) => {
      const specs = podSpecs(umbrella);
      t.is(specs.length, 3 + 1 + 3);
      for (const { where, spec } of specs) {
        t.like(
          spec.securityContext,
          { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
          where,
        );
        t.false(spec.automountServiceAccountToken, where);
        for (const container of spec.containers) {
          t.like(
            container.securityContext,
            {
              readOnlyRootFilesystem: true,
              allowPrivilegeEscalation: false,
              privileged: false,
              runAsNonRoot: true,
            },
            where,
          );
          t.deepEqual(container.securityContext.capabilities, { drop: ['ALL'] }, where);
          t.truthy(container.resources?.limits?.memory, `${where} has a memory limit`);
          t.truthy(container.resources?.requests?.cpu, `${where} has a CPU request`);
        }
      }
      for (const deployment of ofKind(umbrella, 'Deployment')) {
        const spec = deployment.spec.template.spec;
        t.deepEqual(spec.containers[0].volumeMounts, [{ name: 'tmp', mountPath: '/tmp' }]);
        t.truthy(spec.volumes.find((v: Any) => v.name === 'tmp' && v.emptyDir));
      }
    });

    test('REST services probe /livez (startup, liveness) and /readyz (readiness) on their named HTTP port', (t) => {
      for (const [name, port] of [
        ['rel-department', 8081],
        ['rel-user', 8082],
      ] as const) {
        const container = (find(umbrella, 'Deployment', name) as Manifest).spec.template.spec
          .containers[0];
        t.is(portNamed(container, 'http'), port);
        t.deepEqual(container.startupProbe.httpGet, { path: '/livez', port: 'http' });
        t.deepEqual(container.livenessProbe.httpGet, { path: '/livez', port: 'http' });
        t.deepEqual(container.readinessProbe.httpGet, { path: '/readyz', port: 'http' });
        t.is(
          envOf(find(umbrella, 'Deployment', name) as Manifest).get('PORT')?.value,
          String(port),
        );
      }
    });

    test('point is made ready by a native gRPC probe on its gRPC container port, kept alive by /livez', (t) => {
      const point = find(umbrella, 'Deployment', 'rel-point') as Manifest;
      const container = point.spec.template.spec.containers[0];
      t.deepEqual(container.readinessProbe.grpc, {
        port: portNamed(container, 'grpc'),
        service: 'point.PointServer',
      });
      t.deepEqual(container.livenessProbe.httpGet, { path: '/livez', port: 'http' });
      t.deepEqual(container.startupProbe.httpGet, { path: '/livez', port: 'http' });
      t.is(envOf(point).get('HTTP_PORT')?.value, String(portNamed(container, 'http')));
    });

    test('the grace period outlasts the drain delay plus the shutdown bound', (t) => {
      for (const deployment of ofKind(umbrella, 'Deployment')) {
        const env = envOf(deployment);
        const needed =
          (Number(env.get('SHUTDOWN_DRAIN_DELAY_MS').value) +
            Number(env.get('SHUTDOWN_TIMEOUT_MS').value)) /
          1000;
        t.true(
          deployment.spec.template.spec.terminationGracePeriodSeconds > needed,
          deployment.metadata.name,
        );
      }
    });

    test('the umbrella runs one migration Job, as a pre-install/pre-upgrade hook after the database Secret', (t) => {
      const jobs = ofKind(umbrella, 'Job');
      t.is(jobs.length, 1);
      const job = jobs[0] as Manifest;
      t.is(job.metadata.annotations?.['helm.sh/hook'], 'pre-install,pre-upgrade');
      const container = job.spec.template.spec.containers[0];
      t.deepEqual(
        [...container.command, ...container.args],
        ['node', 'common/src/database/migrate-cli.ts'],
      );
      t.is(job.spec.template.spec.restartPolicy, 'Never');
      const secret = find(umbrella, 'Secret', 'rel-database') as Manifest;
      t.is(secret.metadata.annotations?.['helm.sh/hook'], 'pre-install,pre-upgrade');
      t.true(
        Number(secret.metadata.annotations?.['helm.sh/hook-weight']) <
          Number(job.metadata.annotations?.['helm.sh/hook-weight']),
      );
      t.is(secret.stringData.url, databaseUrl);
      // The migration pod must never receive Service traffic.
      t.not(job.spec.template.metadata.labels['app.kubernetes.io/name'], 'department');
    });

    test('DATABASE_URL comes from the Secret: the created one, or an existing one by name and key', async (t) => {
      for (const deployment of ofKind(umbrella, 'Deployment')) {
        t.deepEqual(envOf(deployment).get('DATABASE_URL').valueFrom.secretKeyRef, {
          name: 'rel-database',
          key: 'url',
        });
      }
      const existing = await render('existing secret');
      t.is(ofKind(existing, 'Secret').length, 0);
      for (const deployment of [...ofKind(existing, 'Deployment'), ...ofKind(existing, 'Job')]) {
        t.deepEqual(envOf(deployment).get('DATABASE_URL').valueFrom.secretKeyRef, {
          name: 'backend-db',
          key: 'DATABASE_URL',
        });
      }
    });

    test('no ServiceMonitor unless enabled, and none when enabled but the API is absent', async (t) => {
      t.is(ofKind(umbrella, 'ServiceMonitor').length, 0);
      t.is(
        ofKind(await render('defaults', { apiVersions: [serviceMonitorApi] }), 'ServiceMonitor')
          .length,
        0,
      );
      t.is(
        ofKind(await render('monitoring on (API present)', { apiVersions: [] }), 'ServiceMonitor')
          .length,
        0,
      );
      t.is(ofKind(await render('monitoring forced (no API)'), 'ServiceMonitor').length, 3);
    });

    test('ServiceMonitors scrape /metrics on a port the selected Service has, with the configured labels', async (t) => {
      const manifests = await render('monitoring on (API present)');
      const monitors = ofKind(manifests, 'ServiceMonitor');
      t.is(monitors.length, 3);
      for (const monitor of monitors) {
        t.is(monitor.metadata.labels?.release, 'kube-prometheus-stack');
        const endpoint = monitor.spec.endpoints[0];
        t.like(endpoint, { port: 'http', path: '/metrics', interval: '15s', scrapeTimeout: '5s' });
        t.is(endpoint.relabelings.length, 1);
        t.is(endpoint.metricRelabelings.length, 1);
        const services = ofKind(manifests, 'Service').filter((s) =>
          Object.entries(monitor.spec.selector.matchLabels).every(
            ([k, v]) => s.metadata.labels?.[k] === v,
          ),
        );
        t.is(services.length, 1, monitor.metadata.name);
        t.truthy(
          services[0]?.spec.ports.find((p: Any) => p.name === 'http'),
          `${monitor.metadata.name} port`,
        );
      }
    });

    test('the Ingress routes /api/departments and /api/users to their Services, with class, host and TLS', async (t) => {
      t.is(ofKind(umbrella, 'Ingress').length, 0);
      const [ingress] = ofKind(await render('ingress with TLS'), 'Ingress');
      t.is(ingress?.spec.ingressClassName, 'nginx');
      t.deepEqual(ingress?.spec.tls, [
        { secretName: 'api-example-com-tls', hosts: ['api.example.com'] },
      ]);
      const rule = ingress?.spec.rules[0];
      t.is(rule.host, 'api.example.com');
      t.deepEqual(
        rule.http.paths.map((p: Any) => [
          p.path,
          p.pathType,
          p.backend.service.name,
          p.backend.service.port.name,
        ]),
        [
          ['/api/departments', 'Prefix', 'rel-department', 'http'],
          ['/api/users', 'Prefix', 'rel-user', 'http'],
        ],
      );
    });

    test('the HTTPRoute sends /api/departments and /api/users (PathPrefix, no rewrite) to their Services, on the configured Gateway', async (t) => {
      t.is(ofKind(umbrella, 'HTTPRoute').length, 0);
      const manifests = await render('gateway routes (API present)');
      const [route] = ofKind(manifests, 'HTTPRoute');
      t.deepEqual(route?.spec.parentRefs, [
        { name: 'public', namespace: 'gateway-system', sectionName: 'https' },
      ]);
      t.deepEqual(route?.spec.hostnames, ['api.example.com']);
      t.deepEqual(route?.metadata.annotations, { 'example.com/owner': 'backend' });
      t.deepEqual(
        route?.spec.rules.map((r: Any) => [
          r.matches[0].path.type,
          r.matches[0].path.value,
          r.backendRefs[0].name,
          r.filters,
        ]),
        [
          ['PathPrefix', '/api/departments', 'rel-department', undefined],
          ['PathPrefix', '/api/users', 'rel-user', undefined],
        ],
      );
      const [grpc] = ofKind(manifests, 'GRPCRoute');
      t.deepEqual(
        grpc?.spec.rules[0].matches.map((m: Any) => m.method.service),
        ['point.PointServer', 'grpc.health.v1.Health'],
      );
      t.deepEqual(grpc?.spec.hostnames, ['grpc.example.com']);
    });

    test("every route's backendRef names a Service and a port of the same render", async (t) => {
      for (const name of ['gateway routes (API present)', 'gateway routes forced (no API)']) {
        const manifests = await render(name);
        const routes = [...ofKind(manifests, 'HTTPRoute'), ...ofKind(manifests, 'GRPCRoute')];
        t.is(routes.length, 2, name);
        for (const route of routes) {
          for (const ref of route.spec.rules.flatMap((r: Any) => r.backendRefs)) {
            const service = find(manifests, 'Service', ref.name);
            t.truthy(service, `${route.kind} → Service ${ref.name}`);
            t.true(
              service?.spec.ports.some((p: Any) => p.port === ref.port),
              `${route.kind} → ${ref.name}:${ref.port}`,
            );
          }
        }
      }
    });

    test('routes render only where the cluster serves Gateway API, unless forced; an empty parentRefs is refused', async (t) => {
      const withoutApi = await render('gateway routes (API present)', { apiVersions: [] });
      t.is(ofKind(withoutApi, 'HTTPRoute').length + ofKind(withoutApi, 'GRPCRoute').length, 0);
      const error = await t.throwsAsync(
        workspace.template('backend', {
          values: {
            global: { database: { url: databaseUrl } },
            httpRoute: { enabled: true, forceRender: true },
          },
        }),
      );
      t.regex(error?.message ?? '', /httpRoute.parentRefs is empty: name the Gateway/);
    });

    test('NetworkPolicies: point only from user pods of the release; REST from the configured Gateway proxies; metrics from monitoring', async (t) => {
      const manifests = await render('network policies on');
      const point = find(manifests, 'NetworkPolicy', 'rel-point') as Manifest;
      const grpcRule = point.spec.ingress.find((r: Any) => r.ports?.[0]?.port === 'grpc');
      t.deepEqual(grpcRule.from, [
        {
          podSelector: {
            matchLabels: { 'app.kubernetes.io/name': 'user', 'app.kubernetes.io/instance': 'rel' },
          },
        },
      ]);
      t.falsy(
        point.spec.ingress.find(
          (r: Any) =>
            r.from?.[0]?.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] ===
            'gateway-system',
        ),
      );
      for (const name of ['rel-department', 'rel-user']) {
        const policy = find(manifests, 'NetworkPolicy', name) as Manifest;
        const fromNamespaces = policy.spec.ingress
          .map(
            (r: Any) =>
              r.from?.[0]?.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'],
          )
          .filter(Boolean);
        t.deepEqual(fromNamespaces, ['gateway-system', 'monitoring'], name);
        const gatewayRule = policy.spec.ingress[0];
        t.deepEqual(gatewayRule.from, [
          {
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'gateway-system' } },
            podSelector: { matchLabels: { 'gateway.networking.k8s.io/gateway-name': 'public' } },
          },
          { ipBlock: { cidr: '172.18.0.0/16' } },
        ]);
        t.deepEqual(gatewayRule.ports, [{ port: 'http', protocol: 'TCP' }]);
      }
      const error = await t.throwsAsync(
        workspace.template('backend', {
          values: {
            global: { database: { url: databaseUrl } },
            user: { networkPolicy: { enabled: true } },
          },
        }),
      );
      t.regex(error?.message ?? '', /user.networkPolicy.gateway: set namespaceSelector/);
      // With a GRPCRoute, point admits the Gateway's proxies too, on its gRPC port.
      const gateway = { enabled: true, ipBlocks: [{ cidr: '172.18.0.0/16' }] };
      const withGrpcRoute = await workspace.template('backend', {
        values: {
          global: { database: { url: databaseUrl } },
          point: { networkPolicy: { enabled: true, gateway } },
        },
      });
      const pointPolicy = find(withGrpcRoute, 'NetworkPolicy', 'rel-point') as Manifest;
      t.deepEqual(pointPolicy.spec.ingress[0], {
        from: [{ ipBlock: { cidr: '172.18.0.0/16' } }],
        ports: [{ port: 'grpc', protocol: 'TCP' }],
      });
      for (const policy of ofKind(manifests, 'NetworkPolicy'))
        t.deepEqual(policy.spec.policyTypes, ['Ingress']);
    });

    test('with the HPA on, Deployments leave replicas to it; the PDB never depends on the replica count', async (t) => {
      t.true(ofKind(umbrella, 'PodDisruptionBudget').every((p) => p.spec.maxUnavailable === 1));
      const manifests = await render('HPA on');
      t.is(ofKind(manifests, 'HorizontalPodAutoscaler').length, 3);
      for (const deployment of ofKind(manifests, 'Deployment'))
        t.false('replicas' in deployment.spec);
      t.true(ofKind(manifests, 'PodDisruptionBudget').every((p) => p.spec.minAvailable === '50%'));
    });

    test('helm test pods: a REST call through each REST Service, a gRPC health check of point', (t) => {
      const pods = ofKind(umbrella, 'Pod');
      t.deepEqual(
        pods.map((p) => p.metadata.annotations?.['helm.sh/hook']),
        ['test', 'test', 'test'],
      );
      const script = (name: string) =>
        (find(umbrella, 'Pod', name) as Manifest).spec.containers[0].args[0] as string;
      t.regex(
        script('rel-department-test'),
        /http:\/\/rel-department\.backend\.svc\.cluster\.local:8081\/api\/departments\/v1\/departments/,
      );
      t.regex(
        script('rel-user-test'),
        /http:\/\/rel-user\.backend\.svc\.cluster\.local:8082\/api\/users\/v1\/users/,
      );
      t.regex(script('rel-point-test'), /grpc\.health\.v1\.Health\/Check/);
      t.regex(script('rel-point-test'), /rel-point-headless\.backend\.svc\.cluster\.local:50051/);
    });

    test('the debug listener is off by default, switched on by debug.enabled/port, and no Service port leads to it', async (t) => {
      for (const deployment of ofKind(umbrella, 'Deployment')) {
        t.is(envOf(deployment).get('DEBUG_ENABLED')?.value, 'false', deployment.metadata.name);
        t.is(envOf(deployment).get('DEBUG_PORT')?.value, '6060', deployment.metadata.name);
      }
      const manifests = await render('dev settings');
      for (const deployment of ofKind(manifests, 'Deployment')) {
        t.is(envOf(deployment).get('DEBUG_ENABLED')?.value, 'true', deployment.metadata.name);
        t.is(envOf(deployment).get('DEBUG_PORT')?.value, '6061', deployment.metadata.name);
        const ports = deployment.spec.template.spec.containers[0].ports.map(
          (p: Any) => p.containerPort,
        );
        t.false(ports.includes(6061), `${deployment.metadata.name} declares no debug port`);
      }
      for (const service of ofKind(manifests, 'Service')) {
        const ports = service.spec.ports.map((p: Any) => p.targetPort);
        t.false(ports.includes(6061) || ports.includes('debug'), service.metadata.name);
      }
    });

    test('the Grafana dashboard ConfigMap: only when enabled, labelled for the sidecar, holding every panel', async (t) => {
      t.is(ofKind(umbrella, 'ConfigMap').length, 0);
      const manifests = await render('monitoring on (API present)');
      const [configMap, ...others] = ofKind(manifests, 'ConfigMap');
      t.is(others.length, 0);
      t.is(configMap?.metadata.name, 'rel-backend-dashboard');
      t.is(configMap?.metadata.labels?.grafana_dashboard, '1');
      t.is(configMap?.metadata.annotations?.grafana_folder, 'Backend');
      const dashboard = JSON.parse(configMap?.data['backend.json']);
      t.is(dashboard.uid, 'backend-microservices');
      t.deepEqual(dashboard, JSON.parse(readFileSync(dashboardPath, 'utf8')));
      const forced = ofKind(await render('monitoring forced (no API)'), 'ConfigMap');
      t.is(forced[0]?.metadata.namespace, 'monitoring');
    });

    test('environment variables are written in exactly one template (charts/service/templates/_env.tpl)', (t) => {
      const files = (dir: string): string[] =>
        readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
          e.isDirectory()
            ? e.name === 'charts' && dir !== join(repoRoot, 'charts')
              ? []
              : files(join(dir, e.name))
            : [join(dir, e.name)],
        );
      const writers = files(join(repoRoot, 'charts'))
        .filter(
          (f) =>
            /\.(tpl|yaml)$/.test(f) && /- name: [A-Z][A-Z0-9_]+\s*$/m.test(readFileSync(f, 'utf8')),
        )
        .map((f) => relative(repoRoot, f));
      t.deepEqual(writers, ['charts/service/templates/_env.tpl']);
    });
  },
  test,
);
