import { describe, expect, test } from '@jest/globals';
import { fingerprint, WriteHolds } from '../../../src/reconcilers/dns-alias/holds.ts';

const change = (value: string) => [{ action: 'UPSERT', record: { name: 'a.example.com', type: 'CNAME', ttl: 60, values: [value] } }];

describe('WriteHolds', () => {
  test('the same change failing again waits twice as long, up to the bound', () => {
    let now = 0;
    const h = new WriteHolds({ baseMs: 1000, maxMs: 5000, now: () => now });
    const fp = fingerprint(change('x'));
    expect(h.failed('a Z1', fp, new Error('no'), true)).toMatchObject({ attempts: 1, until: 1000 });
    now = 1000;
    expect(h.failed('a Z1', fp, new Error('no'), true)).toMatchObject({ attempts: 2, until: 3000 });
    now = 3000;
    expect(h.failed('a Z1', fp, new Error('no'), true)).toMatchObject({ attempts: 3, until: 7000 });
    now = 7000;
    expect(h.failed('a Z1', fp, new Error('no'), true)).toMatchObject({ attempts: 4, until: 12_000 });
  });

  test('held until the backoff expires, then free to try (and still known as suspect)', () => {
    let now = 0;
    const h = new WriteHolds({ baseMs: 1000, maxMs: 5000, now: () => now });
    const fp = fingerprint(change('x'));
    h.failed('a Z1', fp, new Error('no'), true);
    now = 999;
    expect(h.active('a Z1', fp)).toBeDefined();
    now = 1000;
    expect(h.active('a Z1', fp)).toBeUndefined();
    expect(h.suspect('a Z1', fp)).toBe(true);
  });

  test('a different change is not held, and starts again at attempt 1', () => {
    const h = new WriteHolds({ baseMs: 1000, maxMs: 5000, now: () => 0 });
    h.failed('a Z1', fingerprint(change('x')), new Error('no'), true);
    h.failed('a Z1', fingerprint(change('x')), new Error('no'), true);
    expect(h.active('a Z1', fingerprint(change('y')))).toBeUndefined();
    expect(h.suspect('a Z1', fingerprint(change('y')))).toBe(false);
    expect(h.failed('a Z1', fingerprint(change('y')), new Error('no'), true).attempts).toBe(1);
  });

  test('failures that are not refusals hold back but do not make the change a suspect', () => {
    const h = new WriteHolds({ baseMs: 1000, maxMs: 5000, now: () => 0 });
    const fp = fingerprint(change('x'));
    h.failed('a Z1', fp, new Error('503'), false);
    expect(h.active('a Z1', fp)).toBeDefined();
    expect(h.suspect('a Z1', fp)).toBe(false);
  });

  test('success and deletion clear holds; other owners keep theirs', () => {
    const h = new WriteHolds({ baseMs: 1000, maxMs: 5000, now: () => 0 });
    const fp = fingerprint(change('x'));
    h.failed('a Z1', fp, new Error('no'), true);
    h.failed('a Z2', fp, new Error('no'), true);
    h.failed('ab Z1', fp, new Error('no'), true);
    h.succeeded('a Z1');
    expect(h.active('a Z1', fp)).toBeUndefined();
    h.forget('a ');
    expect(h.active('a Z2', fp)).toBeUndefined();
    expect(h.active('ab Z1', fp)).toBeDefined();
  });
});
