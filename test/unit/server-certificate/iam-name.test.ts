// The IAM base name's length limit, for objects the schema's rule did not see (stored before it).
import { describe, expect, it } from '@jest/globals';
import type { ServerCertificate } from '../../../src/crds/index.ts';
import { MAX_BASE_NAME_LENGTH, baseNameProblem, iamName } from '../../../src/reconcilers/server-certificate/build.ts';

const sc = (name: string, iamName?: string): ServerCertificate => ({
  apiVersion: 'albatross.dev/v1alpha1',
  kind: 'ServerCertificate',
  metadata: { name, namespace: 'ns' },
  spec: { secretRef: { name: 's' }, ...(iamName ? { iam: { name: iamName } } : {}) },
});

describe('IAM base name length', () => {
  it('leaves room for -<8 hex> within IAM’s 128 characters', () => {
    expect(MAX_BASE_NAME_LENGTH).toBe(119);
    expect(iamName('a'.repeat(MAX_BASE_NAME_LENGTH), 'f'.repeat(64))).toHaveLength(128);
  });

  it('accepts 119 characters, from spec.iam.name or defaulted from metadata.name', () => {
    expect(baseNameProblem(sc('a'.repeat(119)))).toBeUndefined();
    expect(baseNameProblem(sc('a'.repeat(253), 'b'.repeat(119)))).toBeUndefined();
  });

  it('names the field when the defaulted base name (metadata.name) is too long', () => {
    expect(baseNameProblem(sc('a'.repeat(120)))).toBe(
      'spec.iam.name is unset and metadata.name has 120 characters; the IAM name <base name>-<8 hex> allows at most 119 for the base name: set a shorter spec.iam.name',
    );
  });

  it('names spec.iam.name when it is too long', () => {
    expect(baseNameProblem(sc('short', 'b'.repeat(130)))).toMatch(/^spec\.iam\.name has 130 characters/);
  });
});
