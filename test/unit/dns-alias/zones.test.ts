import { describe, expect, test } from '@jest/globals';
import { pickZone } from '../../../src/reconcilers/dns-alias/zones.ts';

const pub = { id: 'ZPUB', name: 'example.com', private: false };
const priv = { id: 'ZPRIV', name: 'example.com', private: true };
const priv2 = { id: 'ZPRIV2', name: 'example.com', private: true };

describe('pickZone', () => {
  test('split horizon: private picks the private zone, default picks the public one', () => {
    expect(pickZone({ name: 'example.com', private: true }, [pub, priv])).toEqual({ ok: true, zone: priv });
    expect(pickZone({ name: 'example.com' }, [pub, priv])).toEqual({ ok: true, zone: pub });
  });

  test('not found names what exists instead', () => {
    expect(pickZone({ name: 'example.com' }, [priv])).toEqual({
      ok: false,
      reason: 'NotFound',
      message: 'no public hosted zone named example.com; found only ZPRIV (example.com, private) (set hostedZone.private: true to use it)',
    });
    expect(pickZone({ name: 'nothing.example' }, [])).toEqual({ ok: false, reason: 'NotFound', message: 'no public hosted zone named nothing.example' });
    expect(pickZone({ id: 'ZX' }, [])).toEqual({ ok: false, reason: 'NotFound', message: 'hosted zone ZX not found' });
  });

  test('ambiguous names the candidates', () => {
    expect(pickZone({ name: 'example.com', private: true }, [pub, priv, priv2])).toEqual({
      ok: false,
      reason: 'Ambiguous',
      message:
        '2 private hosted zones are named example.com: ZPRIV (example.com, private), ZPRIV2 (example.com, private); set hostedZone.id to choose one',
    });
  });

  test('by id', () => {
    expect(pickZone({ id: 'ZPRIV' }, [priv])).toEqual({ ok: true, zone: priv });
  });
});
