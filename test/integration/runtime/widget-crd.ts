// A tiny CRD with a status subresource for runtime tests (the product CRDs belong to their own
// tests). Cluster-wide and shared: created once, left in place (it costs nothing).
import type { KubeConfig } from '@kubernetes/client-node';
import { RestClient } from '../../../src/runtime/kube/rest.ts';
import { waitFor } from '../support/index.ts';
import type { KubeObject, ResourceType } from '../../../src/runtime/index.ts';
import type { Condition } from '../../../src/runtime/index.ts';

export const WIDGET: ResourceType = { group: 'runtime-test.albatross.dev', version: 'v1', plural: 'widgets', kind: 'Widget' };

export interface Widget extends KubeObject {
  spec?: { size?: number; invalid?: boolean };
  status?: { observedGeneration?: number; note?: string; conditions?: Condition[] };
}

const CRD: ResourceType = { group: 'apiextensions.k8s.io', version: 'v1', plural: 'customresourcedefinitions', kind: 'CustomResourceDefinition' };

/** Server-side applies the CRD (idempotent; plain JSON so x-kubernetes-* keys survive). */
export async function ensureWidgetCrd(kc: KubeConfig): Promise<void> {
  const rest = new RestClient(kc);
  const name = `${WIDGET.plural}.${WIDGET.group}`;
  await rest.patch(CRD, '', name, 'apply', {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name },
    spec: {
      group: WIDGET.group,
      scope: 'Namespaced',
      names: { plural: WIDGET.plural, singular: 'widget', kind: WIDGET.kind, listKind: 'WidgetList' },
      versions: [{
        name: WIDGET.version,
        served: true,
        storage: true,
        subresources: { status: {} },
        schema: { openAPIV3Schema: { type: 'object', properties: {
          spec: { type: 'object', properties: { size: { type: 'integer' }, invalid: { type: 'boolean' } } },
          status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
        } } },
      }],
    },
  }, { fieldManager: 'albatross-runtime-test', force: true });
  await waitFor(async () => {
    const crd = await rest.get<KubeObject & { status?: { conditions?: { type: string; status: string }[] } }>(CRD, '', name);
    return crd?.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True');
  }, { description: `CRD ${name} to be Established` });
}
