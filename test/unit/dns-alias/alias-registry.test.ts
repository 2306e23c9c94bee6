import { describe, expect, it } from '@jest/globals';
import { AliasRegistry } from '../../../src/reconcilers/dns-alias/alias-registry.ts';

const Z1 = 'Z1PUBLIC';
const Z2 = 'Z2PRIVATE';

describe('AliasRegistry', () => {
  it('finds the owners of a name, one or several, and forgets them one by one', () => {
    const r = new AliasRegistry();
    r.set({ key: 'ns/a', names: [{ zoneId: Z1, name: 'svc.example.com' }, { zoneId: Z2, name: 'svc.corp.internal' }], edges: [['svc.example.com', 'svc.corp.internal']] });
    expect(r.keysAt(Z1, 'svc.example.com')).toEqual(['ns/a']);
    expect(r.keysAt(Z2, 'svc.example.com')).toEqual([]);
    r.set({ key: 'ns/b', names: [{ zoneId: Z1, name: 'svc.example.com' }], edges: [] });
    r.set({ key: 'ns/c', names: [{ zoneId: Z1, name: 'svc.example.com' }], edges: [] });
    expect(r.keysAt(Z1, 'svc.example.com').sort()).toEqual(['ns/a', 'ns/b', 'ns/c']);
    r.delete('ns/b');
    expect(r.keysAt(Z1, 'svc.example.com').sort()).toEqual(['ns/a', 'ns/c']);
    r.delete('ns/a');
    expect(r.keysAt(Z1, 'svc.example.com')).toEqual(['ns/c']);
    expect(r.keysAt(Z2, 'svc.corp.internal')).toEqual([]);
    r.delete('ns/c');
    expect(r.keysAt(Z1, 'svc.example.com')).toEqual([]);
    expect(r.size).toBe(0);
  });

  it("tells where other resources' chains point a name, never the asker's own", () => {
    const r = new AliasRegistry();
    r.set({ key: 'ns/a', names: [], edges: [['a.example.com', 'b.example.com']] });
    r.set({ key: 'ns/b', names: [], edges: [['b.example.com', 'a.example.com']] });
    expect(r.nextOf('a.example.com', 'ns/b')).toBe('b.example.com');
    expect(r.nextOf('a.example.com', 'ns/a')).toBeUndefined();
    expect(r.writersOf(['a.example.com', 'b.example.com'], 'ns/a')).toEqual(['ns/b']);
    // A second writer of the same name, then the first goes: the second answers.
    r.set({ key: 'ns/c', names: [], edges: [['a.example.com', 'c.example.com']] });
    expect(r.writersOf(['a.example.com'], 'ns/x').sort()).toEqual(['ns/a', 'ns/c']);
    r.delete('ns/a');
    expect(r.nextOf('a.example.com', 'ns/b')).toBe('c.example.com');
    // Setting a resource again replaces what it wrote before.
    r.set({ key: 'ns/c', names: [], edges: [['d.example.com', 'e.example.com']] });
    expect(r.nextOf('a.example.com', 'ns/b')).toBeUndefined();
    expect(r.writersOf(['d.example.com'], 'ns/b')).toEqual(['ns/c']);
    expect(r.get('ns/c')?.edges).toEqual([['d.example.com', 'e.example.com']]);
  });
});
