// The Dockerfile, checked without a Docker engine: hadolint (from PyPI), and the properties the
// chart relies on (non-root uid 65532, tini as PID 1, node dist/main.js, the bundle and no node_modules).
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { REPO, run } from './tools.ts';
import { CONTROLLER_ENV, NODE_FLAGS } from '../../support/dist.ts';

const dockerfile = readFileSync(`${REPO}Dockerfile`, 'utf8');
const pkg = JSON.parse(readFileSync(`${REPO}package.json`, 'utf8')) as { devDependencies: Record<string, string> };

describe('Dockerfile', () => {
  it('passes hadolint', async () => {
    const r = await run('bash', [`${REPO}scripts/lint-dockerfile.sh`]);
    expect(r.stdout).toBe('');
    expect(r.code).toBe(0);
  }, 120_000);

  it('bundles with the dev dependencies and runs the bundle alone, on the project\'s Node version', () => {
    expect(dockerfile).toContain(`ARG NODE_IMAGE=node:${pkg.devDependencies['node']}-bookworm-slim`);
    expect(dockerfile.match(/^FROM /gm)).toHaveLength(2);
    expect(dockerfile).toMatch(/^RUN npm run build$/m);
    expect(dockerfile).toContain('COPY --from=build --chown=0:0 /app/dist ./dist');
    // dist/ carries every dependency it reaches (scripts/build.ts): the runtime stage has no node_modules.
    expect(dockerfile).not.toContain('node_modules ./node_modules');
    // The CLI in dist/ reads the CRD files from deploy/crds beside it.
    expect(dockerfile).toContain('COPY --chown=0:0 deploy/crds ./deploy/crds');
  });

  it('runs as uid 65532 under tini with node, the flags the tests run the bundle with, and dist/main.js', () => {
    expect(dockerfile).toMatch(/^USER 65532:65532$/m);
    expect(dockerfile).toMatch(/apt-get install -y --no-install-recommends tini=/);
    expect(dockerfile).toContain(`ENTRYPOINT ${JSON.stringify(['/usr/bin/tini', '--', 'node', ...NODE_FLAGS, 'dist/main.js']).replaceAll(',', ', ')}\n`);
    expect(NODE_FLAGS).toContain('--enable-source-maps');
    const pkg = JSON.parse(readFileSync(`${REPO}package.json`, 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts['start']).toBe([...Object.entries(CONTROLLER_ENV).map(([k, v]) => `${k}=${v}`), 'node', ...NODE_FLAGS, 'dist/main.js'].join(' '));
  });

  it('sets the environment the benches run the controller with (glibc malloc tunables)', () => {
    expect(Object.keys(CONTROLLER_ENV).length).toBeGreaterThan(0);
    for (const [k, v] of Object.entries(CONTROLLER_ENV)) expect(dockerfile).toContain(`\nENV ${k}=${v}\n`);
  });

  it('sends only what the build needs to the daemon (.dockerignore)', () => {
    const ignore = readFileSync(`${REPO}.dockerignore`, 'utf8').split('\n').filter((l) => l && !l.startsWith('#'));
    expect(ignore[0]).toBe('*');
    expect(ignore).toEqual(expect.arrayContaining(['!package.json', '!package-lock.json', '!tsconfig.json', '!scripts/build.ts', '!src/', '!deploy/crds/']));
  });
});
