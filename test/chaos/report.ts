// The campaign's report: a table of the checks (section, check, PASS/FAIL, detail) and the one
// final line `chaos: N passed, M failed`.
import type { Row } from './judge.ts';

const DETAIL_WIDTH = 160;

export function table(rows: readonly Row[]): string {
  const w = (f: (r: Row) => string, title: string): number => Math.max(title.length, ...rows.map((r) => f(r).length));
  const ws = w((r) => r.section, 'section');
  const wn = w((r) => r.name, 'check');
  const line = (a: string, b: string, c: string, d: string): string => `${a.padEnd(ws)}  ${b.padEnd(wn)}  ${c.padEnd(6)}  ${d}`.trimEnd();
  const clip = (d: string): string => (d.length > DETAIL_WIDTH ? `${d.slice(0, DETAIL_WIDTH - 1)}…` : d);
  return [line('section', 'check', 'result', 'detail'), line('-'.repeat(ws), '-'.repeat(wn), '------', '------'), ...rows.map((r) => line(r.section, r.name, r.ok ? 'PASS' : 'FAIL', clip(r.detail)))].join('\n');
}

export function summaryLine(rows: readonly Row[]): string {
  const passed = rows.filter((r) => r.ok).length;
  return `chaos: ${passed} passed, ${rows.length - passed} failed`;
}
