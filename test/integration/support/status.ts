// Writing a custom object's status as another controller would, for tests that play that controller.
import { CustomObjectsApi } from '@kubernetes/client-node';
import { kubeConfig } from './kube.ts';

/** Reads the object, then replaces its /status with `statusOf(current)`. */
export async function replaceStatus<T extends object>(
  resource: { group: string; version: string; plural: string },
  namespace: string,
  name: string,
  statusOf: (current: T) => unknown,
): Promise<void> {
  const api = kubeConfig().makeApiClient(CustomObjectsApi);
  const { group, version, plural } = resource;
  const current = (await api.getNamespacedCustomObject({ group, version, plural, namespace, name })) as T;
  await api.replaceNamespacedCustomObjectStatus({ group, version, plural, namespace, name, body: { ...current, status: statusOf(current) } });
}
