// Flat config: typescript-eslint's recommended rules with type information, and no `any`.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '.albatross/**', 'helm/**', 'test/env/kube/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // Every AWS call goes through src/aws/ (budgets, metrics, error kinds); tests may use the SDK to assert.
    files: ['src/**/*.ts', 'scripts/**/*.ts'],
    ignores: ['src/aws/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['@aws-sdk/*'], message: 'Only src/aws/ imports the AWS SDK: add what you need to a port there.' }] }],
    },
  },
);
