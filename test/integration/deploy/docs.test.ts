// The docs name what the code does: every condition reason in docs/api.md, every metric in
// docs/operations.md. A reason or metric added to the code without docs fails here.
import { describe, expect, it } from '@jest/globals';
import { readFileSync, readdirSync } from 'node:fs';
import { Reason } from '../../../src/crds/index.ts';
import { DnsReason } from '../../../src/reconcilers/dns-alias/status.ts';
import { CHAIN_VALID } from '../../../src/reconcilers/server-certificate/reasons.ts';
import { REPO } from './tools.ts';

const api = readFileSync(`${REPO}docs/api.md`, 'utf8');
const ops = readFileSync(`${REPO}docs/operations.md`, 'utf8');

function sourcesUnder(dir: string): string[] {
  return readdirSync(`${REPO}${dir}`, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => readFileSync(`${e.parentPath}/${e.name}`, 'utf8'));
}

describe('docs', () => {
  it('docs/api.md explains every condition reason the controller writes', () => {
    const literal = sourcesUnder('src/reconcilers').flatMap((s) => [...s.matchAll(/state: '\w+', reason: '([A-Z][A-Za-z]+)'/g)].map((m) => m[1] ?? ''));
    const reasons = new Set([...Object.values(Reason), ...Object.values(DnsReason), ...Object.values(CHAIN_VALID), ...literal]);
    expect(reasons.size).toBeGreaterThan(20);
    expect(literal).toContain('Blocked');
    expect([...reasons].filter((r) => !api.includes(`\`${r}\``)).sort()).toEqual([]);
  });

  it('docs/api.md names every event reason the controller records', () => {
    const events = sourcesUnder('src').flatMap((s) => [...s.matchAll(/events\.(?:normal|warning)\(\s*\w+,\s*'([A-Za-z]+)'/g)].map((m) => m[1] ?? ''));
    expect(events.length).toBeGreaterThan(3);
    expect([...new Set(events)].filter((r) => !api.includes(`\`${r}\``)).sort()).toEqual([]);
  });

  it('docs/operations.md lists every Prometheus metric the controller exports', () => {
    const metrics = sourcesUnder('src').flatMap((s) => [...s.matchAll(/(?:name: |NAME = |const name = )'([a-z_]+(?:_total|_seconds|_status|_depth|_reconciles|_workers))'/g)].map((m) => m[1] ?? ''));
    expect(metrics).toContain('albatross_aws_api_calls_total');
    expect([...new Set(metrics)].filter((m) => !ops.includes(`\`${m}\``)).sort()).toEqual([]);
  });
});
