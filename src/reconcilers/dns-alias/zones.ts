// Hosted zone resolution: by id, or by name plus `private` (split horizon: a public and a private
// zone may share a name). Answers are cached briefly and shared by all DnsAliases.
import type { HostedZone, Route53Port } from '../../aws/route53.ts';
import type { ZoneRef } from './chain.ts';

export type ZoneResolution = { ok: true; zone: HostedZone } | { ok: false; reason: 'NotFound' | 'Ambiguous'; message: string };

function describe(z: HostedZone): string {
  return `${z.id} (${z.name}, ${z.private ? 'private' : 'public'})`;
}

/** Pure: picks the zone a reference means from the zones Route 53 returned. */
export function pickZone(ref: ZoneRef, found: readonly HostedZone[]): ZoneResolution {
  if (ref.id) {
    const zone = found.find((z) => z.id === ref.id);
    return zone ? { ok: true, zone } : { ok: false, reason: 'NotFound', message: `hosted zone ${ref.id} not found` };
  }
  const wantPrivate = ref.private === true;
  const kind = wantPrivate ? 'private' : 'public';
  const named = found.filter((z) => z.name === ref.name);
  const candidates = named.filter((z) => z.private === wantPrivate);
  if (candidates.length === 1) return { ok: true, zone: candidates[0]! };
  if (candidates.length === 0) {
    const others = named.length > 0 ? `; found only ${named.map(describe).join(', ')}` : '';
    const hint = named.length > 0 ? ` (set hostedZone.private: ${!wantPrivate} to use it)` : '';
    return { ok: false, reason: 'NotFound', message: `no ${kind} hosted zone named ${ref.name}${others}${hint}` };
  }
  return {
    ok: false,
    reason: 'Ambiguous',
    message: `${candidates.length} ${kind} hosted zones are named ${ref.name}: ${candidates.map(describe).join(', ')}; set hostedZone.id to choose one`,
  };
}

export class ZoneResolver {
  private readonly cache = new Map<string, { at: number; promise: Promise<HostedZone[]> }>();
  private readonly port: Route53Port;
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(port: Route53Port, ttlMs = 60_000, now: () => number = () => performance.now()) {
    this.port = port;
    this.ttlMs = ttlMs;
    this.now = now;
  }

  private lookup(key: string, load: () => Promise<HostedZone[]>): Promise<HostedZone[]> {
    const hit = this.cache.get(key);
    if (hit && this.now() - hit.at <= this.ttlMs) return hit.promise;
    const promise = load();
    const entry = { at: this.now(), promise };
    this.cache.set(key, entry);
    promise.catch(() => {
      if (this.cache.get(key) === entry) this.cache.delete(key);
    });
    return promise;
  }

  /** Forgets every answer (a zone was found deleted). */
  clear(): void {
    this.cache.clear();
  }

  async resolve(ref: ZoneRef): Promise<ZoneResolution> {
    const found = ref.id
      ? await this.lookup(`id:${ref.id}`, async () => {
          const z = await this.port.getZone(ref.id!);
          return z ? [z] : [];
        })
      : await this.lookup(`name:${ref.name}`, () => this.port.findZonesByName(ref.name ?? ''));
    const result = pickZone(ref, found);
    // A miss is not remembered: the zone may be created any moment.
    if (!result.ok) this.cache.delete(ref.id ? `id:${ref.id}` : `name:${ref.name}`);
    return result;
  }
}
