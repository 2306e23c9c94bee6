import { describe, expect, it } from '@jest/globals';
import { judgeResources, leaks, type Observed } from '../../chaos/judge.ts';
import type { CampaignResource } from '../../chaos/fixtures.ts';
import { canonical } from '../../chaos/fingerprint.ts';
import { summaryLine, table } from '../../chaos/report.ts';

const NONE = { loadBalancers: 0, targetGroups: 0, listeners: 0, certificates: 0, records: [] };
const res = (name: string, expect: CampaignResource['expect']): CampaignResource => ({ kind: 'LoadBalancedService', name, label: name, manifest: {}, expect, aws: NONE });
const obj = (generation: number, observedGeneration: number, conditions: Array<{ type: string; status: string; reason?: string; message?: string }>) => ({ metadata: { generation }, status: { observedGeneration, conditions } });
const ready = (gen = 1, observed = gen) => obj(gen, observed, [{ type: 'Ready', status: 'True', reason: 'Reconciled', message: 'ok' }]);
const stalled = (reason: string, message: string) => obj(1, 1, [{ type: 'Ready', status: 'False', reason, message }, { type: 'Stalled', status: 'True', reason, message }]);

describe('judgeResources', () => {
  it('wants Ready for the current generation', () => {
    const rows = judgeResources([
      { resource: res('a', { kind: 'ready' }), obj: ready(2) },
      { resource: res('b', { kind: 'ready' }), obj: ready(3, 2) },
      { resource: res('c', { kind: 'ready' }), obj: obj(1, 1, []) },
    ] as Observed[]);
    expect(rows.map((r) => r.ok)).toEqual([true, false, false]);
    expect(rows[2]!.detail).toMatch(/^no conditions/);
  });

  it('accepts a refusal at apply or the expected stall naming the field, nothing else', () => {
    const expectation = { kind: 'refused', reasons: ['InvalidSpec'], mentions: /port/i } as const;
    const rows = judgeResources([
      { resource: res('a', expectation), refusal: { code: 422, message: 'spec.listeners[0].defaultAction.redirect.port: Invalid value' } },
      { resource: res('b', expectation), obj: stalled('InvalidSpec', 'spec.listeners[0].defaultAction.redirect.port 99999 is above 65535') },
      { resource: res('c', expectation), obj: stalled('AwsError', 'port') },
      { resource: res('d', expectation), obj: ready() },
    ] as Observed[]);
    expect(rows.map((r) => r.ok)).toEqual([true, true, false, false]);
  });

  it('of two claiming one name, wants one Ready and the other a Conflict naming it', () => {
    const group = { kind: 'oneOf', group: 'lb' } as const;
    const good = judgeResources([
      { resource: res('dup-a', group), obj: ready() },
      { resource: res('dup-b', group), obj: stalled('Conflict', 'load balancer lb is held by LoadBalancedService ns/dup-a') },
    ] as Observed[]);
    expect(good.map((r) => r.ok)).toEqual([true, true]);
    const both = judgeResources([
      { resource: res('dup-a', group), obj: ready() },
      { resource: res('dup-b', group), obj: ready() },
    ] as Observed[]);
    expect(both.map((r) => r.ok)).toEqual([false, false]);
  });
});

describe('report', () => {
  it('prints a row per check and the final line', () => {
    const rows = [
      { section: 'Ready', name: 'x', ok: true, detail: 'fine' },
      { section: 'AWS', name: 'y', ok: false, detail: 'bad' },
    ];
    expect(table(rows).split('\n')).toEqual([
      'section  check  result  detail',
      '-------  -----  ------  ------',
      'Ready    x      PASS    fine',
      'AWS      y      FAIL    bad',
    ]);
    expect(summaryLine(rows)).toBe('chaos: 1 passed, 1 failed');
  });

  it('finds key material and the PEM marker in texts', () => {
    expect(leaks([{ where: 'log', text: 'a "secret-pw" b' }, { where: 'ev', text: '-----BEGIN PRIVATE KEY-----' }], ['secret-pw'])).toEqual(['log: secret-pw…', 'ev: PRIVATE KE…']);
  });

  it('hashes objects independently of key order', () => {
    expect(canonical({ b: 1, a: [{ y: 2, x: new Date(0) }] })).toBe(canonical({ a: [{ x: new Date(0), y: 2 }], b: 1 }));
  });
});
