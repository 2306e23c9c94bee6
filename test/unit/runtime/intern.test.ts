import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { internString, internStrings } from '../../../src/runtime/intern.ts';

describe('internStrings', () => {
  it('keeps every value as it was, nested objects and arrays included', () => {
    const date = new Date(0);
    const bytes = Buffer.from('abc');
    const value = {
      a: 'Reconciled',
      n: 3,
      b: true,
      none: null,
      list: ['x', 'y', { deep: ['True', '0', '__proto__', ''] }],
      date,
      bytes,
      long: 'z'.repeat(5000),
    };
    const expected = structuredClone({ ...value, bytes: undefined });
    const out = internStrings(value);
    expect(out).toBe(value);
    expect({ ...out, bytes: undefined }).toEqual(expected);
    expect(out.date).toBe(date);
    expect(out.bytes).toBe(bytes);
    expect(Object.getPrototypeOf(out.list[2])).toBe(Object.prototype);
  });

  it('returns equal strings, whatever they look like', () => {
    for (const s of ['', '0', '4294967295', '007', '__proto__', 'constructor', 'a b', 'é', 'x'.repeat(1024), 'x'.repeat(1025)]) expect(internString(s)).toBe(s);
  });

  // What it is for: parsed copies of the same strings share one copy afterwards. Measured in a
  // child process with a collectable heap (sizes, not time).
  it('makes repeated strings of parsed objects take the memory of one copy', () => {
    const module = fileURLToPath(new URL('../../../src/runtime/intern.ts', import.meta.url));
    const script = `
      const { internStrings } = await import(${JSON.stringify(module)});
      const rows = Array.from({ length: 50000 }, (_, i) => ({ message: '1 record(s) in sync: svc-' + (i % 7) + '.example.com -> lb-0.us-east-1.elb.amazonaws.com', reason: 'Reconciled', id: 'uid-' + i }));
      const text = JSON.stringify(rows);
      const used = () => { globalThis.gc(); globalThis.gc(); return process.memoryUsage().heapUsed; };
      const base = used();
      const parsed = JSON.parse(text);
      const before = used() - base;
      internStrings(parsed);
      const after = used() - base;
      console.log(JSON.stringify({ before, after, kept: parsed.length }));
    `;
    const out = execFileSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], { encoding: 'utf8' });
    const { before, after, kept } = JSON.parse(out) as { before: number; after: number; kept: number };
    expect(kept).toBe(50000);
    // The 50,000 messages (7 distinct) and reasons (1) are most of the parsed strings; the ids stay.
    expect(after).toBeLessThan(before * 0.6);
  });
});
