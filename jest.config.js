// Two projects: `unit` (pure logic, no processes) and `integration` (real kube-apiserver + moto,
// brought up once by the global setup with the same code as `npm run env -- up`).
// JEST_PROJECTS=unit|integration keeps one of them: jest's own --selectProjects takes every
// following word as a project name, so `npm run test:unit -- <pattern>` would lose the pattern.
import process from 'node:process';

const transform = {
  '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'es6' } }],
};
const common = {
  transform,
  extensionsToTreatAsEsm: ['.ts'],
  testEnvironment: 'node',
  // .albatross/ holds the environment's etcd data, whose *.snap files jest would otherwise take
  // for obsolete snapshots (and `-u` would delete).
  modulePathIgnorePatterns: ['<rootDir>/.albatross/', '<rootDir>/dist/'],
};

const projects = [
  { ...common, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
  {
    ...common,
    displayName: 'integration',
    testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
    globalSetup: '<rootDir>/test/env/jest-global-setup.ts',
    globalTeardown: '<rootDir>/test/env/jest-global-teardown.ts',
    setupFilesAfterEnv: ['<rootDir>/test/integration/support/jest-setup.ts'],
  },
];
const only = process.env.JEST_PROJECTS?.split(',');

export default {
  projects: only ? projects.filter((p) => only.includes(p.displayName)) : projects,
  maxWorkers: 2,
  reporters: ['default', '<rootDir>/test/env/summary-reporter.js'],
};
