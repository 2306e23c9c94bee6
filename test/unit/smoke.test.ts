import { describe, expect, it } from '@jest/globals';
import { VERSION } from '../../src/version.ts';

describe('build', () => {
  it('exposes the package version', () => {
    expect(VERSION).toMatch(/^\d+\.\d+\.\d+/);
  });
});
