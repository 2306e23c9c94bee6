// Stopping and restarting a kube-apiserver mid-test. Prefer `extraApiserver()`: a second apiserver
// on the same etcd that only the calling test uses, so stopping it cannot break tests running in
// parallel. `stopApiserver()`/`startApiserver()` act on the shared one (same port and certificates
// after the restart, so clients reconnect) and are only safe when nothing else runs.
import { KubeConfig } from '@kubernetes/client-node';
import { startApiserver, startExtraApiserver, stopApiserver, userKubeconfig, type ExtraApiserver } from '../../env/env.ts';
import type { ApiserverOptions } from '../../env/components.ts';
import { ADMIN_USER } from '../../env/config.ts';
import { goTool } from '../../env/go-tools.ts';

export { startApiserver, stopApiserver };

export interface TestApiserver extends ExtraApiserver {
  /** Admin kubeconfig for this apiserver. */
  kubeConfig: KubeConfig;
  /** The same, as YAML (for `kubectl --kubeconfig`). */
  kubeconfigYaml: string;
}

/**
 * Starts an apiserver that sees the same objects as the main one (or, with `opts`, another release
 * on a key prefix of its own). Call `remove()` in afterAll.
 */
export async function extraApiserver(opts: ApiserverOptions = {}): Promise<TestApiserver> {
  const extra = await startExtraApiserver(process.pid, opts);
  const yaml = await userKubeconfig(ADMIN_USER.name, ADMIN_USER.groups, extra.server);
  const kc = new KubeConfig();
  kc.loadFromString(yaml);
  return { ...extra, kubeConfig: kc, kubeconfigYaml: yaml };
}

/**
 * The oldest kube-apiserver Albatross supports (test/env/kube-min, the `kube-apiserver-min` Go tool)
 * on the environment's etcd under a prefix of its own: an empty cluster of that release.
 */
export function minimumApiserver(): Promise<TestApiserver> {
  return extraApiserver({ binary: goTool('kube-apiserver-min'), etcdPrefix: `/albatross-minimum-${process.pid}` });
}
