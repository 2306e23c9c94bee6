// Every version of the campaign's Lease while a watch is open (through the main apiserver, which
// the campaign never restarts): what term.ts judges a SIGTERMed leader's exit code by.
import { CoordinationV1Api, Watch, type KubeConfig, type V1Lease } from '@kubernetes/client-node';
import type { LeaseVersion } from './term.ts';

const versionOf = (l: V1Lease | undefined): LeaseVersion | undefined => {
  if (!l?.spec) return undefined;
  const renew = l.spec.renewTime as unknown;
  const renewMs = renew instanceof Date ? renew.getTime() : Date.parse(String(renew ?? ''));
  return { holder: l.spec.holderIdentity ?? '', renewMs: Number.isNaN(renewMs) ? 0 : renewMs };
};

export interface LeaseRecording {
  /** the versions seen so far, the one current at the start first */
  versions: LeaseVersion[];
  /** a problem with the watch (then the recording may have holes) */
  error?: string;
  stop(): void;
}

/** Reads the Lease, then watches it from that resourceVersion on, so no later version is missed. */
export async function recordLease(kc: KubeConfig, namespace: string, name: string): Promise<LeaseRecording> {
  const lease = await kc.makeApiClient(CoordinationV1Api).readNamespacedLease({ name, namespace });
  const first = versionOf(lease);
  const rec: LeaseRecording = { versions: first ? [first] : [], stop: () => undefined };
  let stopped = false;
  const controller = await new Watch(kc).watch(
    `/apis/coordination.k8s.io/v1/namespaces/${namespace}/leases`,
    { fieldSelector: `metadata.name=${name}`, resourceVersion: lease.metadata?.resourceVersion ?? '0', allowWatchBookmarks: false },
    (phase: string, obj: V1Lease) => {
      const v = phase === 'ADDED' || phase === 'MODIFIED' ? versionOf(obj) : undefined;
      if (v) rec.versions.push(v);
      else if (phase === 'DELETED') rec.versions.push({ holder: '', renewMs: Date.now() });
    },
    (err: unknown) => {
      // Ended before stop(): later versions would be missing.
      if (!stopped) rec.error = err ? (err instanceof Error ? err.message : String(err)) : 'the watch ended early';
    },
  );
  rec.stop = () => {
    if (stopped) return;
    stopped = true;
    controller.abort();
  };
  return rec;
}
