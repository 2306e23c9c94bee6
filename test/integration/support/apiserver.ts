// Stopping and restarting a kube-apiserver mid-test. Prefer `extraApiserver()`: a second apiserver
// on the same etcd that only the calling test uses, so stopping it cannot break tests running in
// parallel. `stopApiserver()`/`startApiserver()` act on the shared one (same port and certificates
// after the restart, so clients reconnect) and are only safe when nothing else runs.
import { KubeConfig } from '@kubernetes/client-node';
import { startApiserver, startExtraApiserver, stopApiserver, userKubeconfig, type ExtraApiserver } from '../../env/env.ts';
import { ADMIN_USER } from '../../env/config.ts';

export { startApiserver, stopApiserver };

export interface TestApiserver extends ExtraApiserver {
  /** Admin kubeconfig for this apiserver. */
  kubeConfig: KubeConfig;
}

/** Starts an apiserver that sees the same objects as the main one. Call `remove()` in afterAll. */
export async function extraApiserver(): Promise<TestApiserver> {
  const extra = await startExtraApiserver(process.pid);
  const kc = new KubeConfig();
  kc.loadFromString(await userKubeconfig(ADMIN_USER.name, ADMIN_USER.groups, extra.server));
  return { ...extra, kubeConfig: kc };
}
