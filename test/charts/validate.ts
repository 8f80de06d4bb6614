// Validates rendered manifests against the Kubernetes 1.35 OpenAPI schemas compiled into the
// npm package kubernetes-models, and the Prometheus Operator and Gateway API CRD schemas compiled
// into @kubernetes-models/prometheus-operator and @kubernetes-models/gateway-api: offline, no cluster. These check types, required
// fields, enums, formats and patterns; unknown fields are checked by strict-fields.ts.
import type { Manifest } from './helm.ts';

type Validatable = { validate(): void };
type ModelClass = new (data: unknown) => Validatable;

const crdPackages: Record<string, string> = {
  'monitoring.coreos.com': '@kubernetes-models/prometheus-operator',
  'gateway.networking.k8s.io': '@kubernetes-models/gateway-api',
};

export function modelModule(apiVersion: string, kind: string): string {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  const crdPackage = crdPackages[group ?? ''];
  if (crdPackage) return `${crdPackage}/${group}/${version}/${kind}`;
  return group
    ? `kubernetes-models/${group}/${version}/${kind}`
    : `kubernetes-models/${version}/${kind}`;
}

const cache = new Map<string, Promise<ModelClass>>();

async function loadModel(apiVersion: string, kind: string): Promise<ModelClass> {
  const specifier = modelModule(apiVersion, kind);
  let model = cache.get(specifier);
  if (!model) {
    model = import(specifier).then((module: Record<string, ModelClass>) => {
      const found = module[kind];
      if (!found) throw new Error(`${specifier} exports no ${kind}`);
      return found;
    });
    cache.set(specifier, model);
  }
  return model;
}

// Returns one message per invalid manifest; an empty list means all are valid.
export async function validateManifests(manifests: Manifest[]): Promise<string[]> {
  const problems: string[] = [];
  for (const manifest of manifests) {
    const where = `${manifest.kind}/${manifest.metadata?.name} (${manifest.apiVersion})`;
    try {
      const Model = await loadModel(manifest.apiVersion, manifest.kind);
      new Model(manifest).validate();
    } catch (error) {
      problems.push(`${where}: ${(error as Error).message}`);
    }
  }
  return problems;
}
