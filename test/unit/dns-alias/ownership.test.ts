import { describe, expect, test } from '@jest/globals';
import {
  holdingOf,
  ownerString,
  ownerTxtName,
  ownerTxtValue,
  parseOwner,
  type Owner,
} from '../../../src/reconcilers/dns-alias/ownership.ts';

const us: Owner = { cluster: 'prod', kind: 'DnsAlias', namespace: 'web', name: 'chat' };

describe('ownership TXT', () => {
  test('lives at _albatross.<name> and names cluster, kind, namespace and name', () => {
    expect(ownerTxtName('service.example.com')).toBe('_albatross.service.example.com');
    expect(ownerTxtValue(us)).toBe('"albatross-owner=prod/DnsAlias/web/chat"');
  });

  test('round-trips, including a cluster name with a slash', () => {
    expect(parseOwner([ownerTxtValue(us)])).toEqual(us);
    const odd = { ...us, cluster: 'eu/prod' };
    expect(parseOwner([ownerTxtValue(odd)])).toEqual(odd);
  });

  test('reads values split into several quoted strings, or among other values', () => {
    expect(parseOwner(['"albatross-owner=prod/Dns" "Alias/web/chat"'])).toEqual(us);
    expect(parseOwner(['"v=spf1 -all"', '"albatross-owner=prod/DnsAlias/web/chat"'])).toEqual(us);
  });

  test('anything else is no owner', () => {
    expect(parseOwner(['"v=spf1 -all"'])).toBeUndefined();
    expect(parseOwner(['"albatross-owner=too/short"'])).toBeUndefined();
    expect(parseOwner([])).toBeUndefined();
  });

  test('holdingOf tells ours, another owner, a foreign TXT, and nothing apart', () => {
    expect(holdingOf([ownerTxtValue(us)], us)).toEqual({ kind: 'ours' });
    const them = { ...us, namespace: 'other' };
    expect(holdingOf([ownerTxtValue(them)], us)).toEqual({ kind: 'other', owner: them });
    expect(holdingOf([ownerTxtValue({ ...us, cluster: 'staging' })], us).kind).toBe('other');
    expect(holdingOf(['"hello"'], us)).toEqual({ kind: 'foreign-txt', values: ['"hello"'] });
    expect(holdingOf(undefined, us)).toEqual({ kind: 'none' });
    expect(ownerString(them)).toBe('prod/DnsAlias/other/chat');
  });
});
