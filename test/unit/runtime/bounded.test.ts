// Status stays writable whatever a reconcile found: long text and long lists are cut, saying what was cut.
import { describe, expect, it } from '@jest/globals';
import { boundList, boundStatus, boundText, joinBounded, MAX_STATUS_LIST, MAX_STATUS_TEXT } from '../../../src/runtime/bounded.ts';

describe('bounded status', () => {
  it('cuts text to the bound and says how many characters were cut', () => {
    expect(boundText('short')).toBe('short');
    const long = 'x'.repeat(50_000);
    const cut = boundText(long);
    expect(cut.length).toBeLessThanOrEqual(MAX_STATUS_TEXT);
    const shown = cut.indexOf(' … (');
    expect(cut.slice(shown)).toBe(` … (${50_000 - shown} more characters)`);
  });

  it('keeps the first items of a list and says how many more there were', () => {
    const items = Array.from({ length: 537 }, (_, i) => `item ${i}`);
    expect(boundList(items)).toHaveLength(MAX_STATUS_LIST);
    expect(boundList(items).at(-1)).toBe(`… and ${537 - (MAX_STATUS_LIST - 1)} more`);
    expect(boundList(items.slice(0, MAX_STATUS_LIST))).toEqual(items.slice(0, MAX_STATUS_LIST));
    expect(joinBounded(items, '; ', 3)).toBe('item 0; item 1; item 2; … and 534 more');
    expect(joinBounded(items.slice(0, 3), '; ', 3)).toBe('item 0; item 1; item 2');
  });

  it('bounds every string and list of strings in a status, leaving lists of objects and other values alone', () => {
    const status = {
      observedGeneration: 3,
      repairs: Array.from({ length: 499 }, (_, i) => `left out certificate ${i}`),
      conditions: [{ type: 'Ready', status: 'True', reason: 'Reconciled', message: 'm'.repeat(40_000) }],
      chain: Array.from({ length: 60 }, (_, i) => ({ subject: `CN=${i}` })),
    };
    const bounded = boundStatus(status);
    expect(bounded.observedGeneration).toBe(3);
    expect(bounded.repairs).toHaveLength(MAX_STATUS_LIST);
    expect(bounded.repairs.at(-1)).toBe(`… and ${499 - (MAX_STATUS_LIST - 1)} more`);
    expect(bounded.conditions[0]?.message.length).toBeLessThanOrEqual(MAX_STATUS_TEXT);
    expect(bounded.conditions[0]).toMatchObject({ type: 'Ready', status: 'True', reason: 'Reconciled' });
    expect(bounded.chain).toEqual(status.chain);
    expect(JSON.stringify(bounded).length).toBeLessThan(JSON.stringify(status).length / 4);
  });
});
