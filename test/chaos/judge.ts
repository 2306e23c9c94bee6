// How the campaign judges a resource's state: Ready for the current generation, the expected
// refusal or stall for a bad manifest, one winner of a shared name. Pure, unit-tested.
import type { KubernetesObject } from '@kubernetes/client-node';
import { conditionOf, type ApiError } from '../integration/support/kube.ts';
import type { CampaignResource } from './fixtures.ts';

export interface Row {
  section: string;
  name: string;
  ok: boolean;
  detail: string;
}

export type Obj = KubernetesObject & { spec?: Record<string, unknown>; status?: Record<string, unknown> & { observedGeneration?: number } };

export interface Observed {
  resource: CampaignResource;
  /** The apiserver's refusal at apply time, if it refused. */
  refusal?: ApiError;
  obj?: Obj;
}

const clip = (s: string | undefined, n = 140): string => {
  const one = (s ?? '').replace(/\s+/g, ' ');
  return one.length > n ? `${one.slice(0, n)}…` : one;
};

function stateOf(obj: Obj | undefined): string {
  if (!obj) return 'not found';
  const ready = conditionOf(obj, 'Ready');
  const gen = `gen ${obj.metadata?.generation ?? '?'}, observed ${obj.status?.observedGeneration ?? 'none'}`;
  if (!ready) return `no conditions (${gen})`;
  return `Ready=${ready.status} ${ready.reason ?? ''} (${gen}): ${clip(ready.message)}`;
}

export const current = (obj: Obj | undefined): boolean => obj !== undefined && obj.status?.observedGeneration === obj.metadata?.generation;
export const isReady = (obj: Obj | undefined): boolean => current(obj) && conditionOf(obj, 'Ready')?.status === 'True';
const stalled = (obj: Obj | undefined): { reason: string; message: string } | undefined => {
  const c = conditionOf(obj, 'Stalled');
  return current(obj) && c?.status === 'True' ? { reason: c.reason ?? '', message: c.message ?? '' } : undefined;
};

/** One row per resource: the expected Ready, refusal or Conflict for the current generation. */
export function judgeResources(observed: readonly Observed[]): Row[] {
  return observed.map(({ resource: r, refusal, obj }) => {
    const row = (ok: boolean, detail: string): Row => ({ section: r.expect.kind === 'ready' ? 'Ready' : 'bad input', name: `${r.kind} ${r.label}`, ok, detail });
    switch (r.expect.kind) {
      case 'ready':
        return row(isReady(obj), stateOf(obj));
      case 'refused': {
        const { reasons, mentions } = r.expect;
        if (refusal) return row(mentions.test(refusal.message), `refused at apply (${refusal.code}): ${clip(refusal.message)}`);
        const s = stalled(obj);
        if (s) return row(reasons.includes(s.reason) && mentions.test(s.message), `Stalled ${s.reason}: ${clip(s.message)}`);
        return row(false, `expected a refusal or Stalled ${reasons.join('/')}; ${stateOf(obj)}`);
      }
      case 'oneOf': {
        const group = r.expect.group;
        const members = observed.filter((o) => o.resource.expect.kind === 'oneOf' && o.resource.expect.group === group);
        const winners = members.filter((m) => isReady(m.obj));
        if (winners.length !== 1) return row(false, `${winners.length} of ${members.length} claiming ${group} are Ready (expected 1); this one: ${stateOf(obj)}`);
        const winner = winners[0]!.resource.name;
        if (winner === r.name) return row(true, `Ready, holds ${group}`);
        const s = stalled(obj);
        return row(s?.reason === 'Conflict' && s.message.includes(winner), s ? `Stalled ${s.reason}: ${clip(s.message)}` : stateOf(obj));
      }
    }
  });
}

/** Every needle found in the texts, with where. */
export function leaks(texts: ReadonlyArray<{ where: string; text: string }>, needles: readonly string[]): string[] {
  const found: string[] = [];
  for (const { where, text } of texts) {
    for (const n of ['PRIVATE KEY', ...needles]) if (text.includes(n)) found.push(`${where}: ${n.slice(0, 10)}…`);
  }
  return found;
}

export function problemsRow(section: string, name: string, problems: readonly string[], found = ''): Row {
  const seen = found ? ` (${found})` : '';
  return { section, name, ok: problems.length === 0, detail: problems.length ? `${problems.length} problem(s): ${problems.slice(0, 4).join('; ')}${seen}` : `as desired${seen}` };
}
