// Production build (`npm run build`, the Dockerfile): esbuild bundles src/main.ts (the controller)
// and src/cli/main.ts (the `albatross` bin) with their dependencies into dist/, tree-shaken, as ES
// modules split into shared chunks, so a process parses only the code it reaches: the AWS SDK
// commands we call rather than each client's whole surface, EC2 and the reconcilers in chunks loaded
// by dynamic import when first needed. Linked source maps keep stack traces pointing at src/
// (`node --enable-source-maps dist/main.js`); they map our code only (trim-source-maps.ts).
// dist/ needs no node_modules at run time.
//
//   node scripts/build.ts            build dist/ (and dist/meta.json: what each output holds)
//   node scripts/build.ts --if-stale build only when a file under src/ or package-lock.json is
//                                    newer than the last build (tests and benches call this)
import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type BuildOptions, type Metafile, type Plugin } from 'esbuild';
import { trimSourceMapFiles } from './trim-source-maps.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DIST = join(ROOT, 'dist');
/** Written last: its mtime is the build's. */
const STAMP = join(DIST, '.build-stamp');

const CLIENT_NODE = '/node_modules/@kubernetes/client-node/dist/';

/**
 * @kubernetes/client-node declares no "sideEffects", so every generated model class that its
 * index re-exports would stay in the bundle (each ends in property assignments such as
 * `V1Pod.discriminator = undefined`, which a bundler must assume matter). The generated code
 * (dist/gen/) has no side effects of its own: marking it so lets esbuild drop the ~560 KB of models
 * and API classes that KubeConfig's module reaches but never uses.
 */
const clientNodeGeneratedCodeIsPure: Plugin = {
  name: 'client-node-generated-code-is-pure',
  setup(b) {
    b.onResolve({ filter: /\.js$/ }, async (args) => {
      if (args.pluginData === 'resolved' || !args.importer.includes(CLIENT_NODE)) return undefined;
      const r = await b.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: 'resolved' });
      return r.errors.length === 0 && r.path.includes(`${CLIENT_NODE}gen/`) ? { ...r, sideEffects: false } : r;
    });
  },
};

/**
 * client-node imports undici at the top of KubeConfig's module (Agent, ProxyAgent for
 * createDispatcher) and of its generated HTTP layer (fetch), both for its fetch-based API clients.
 * The controller's requests go over node:https (applyToHTTPSOptions), so undici is never run. This
 * stand-in for client-node's imports of undici loads it on the first fetch or Agent/ProxyAgent
 * construction and behaves the same from then on. undici is built apart (dist/vendor/undici.cjs,
 * UNDICI_BUILD_OPTIONS): bundled in, its 1 MB of source would sit in the heap with the chunk's text
 * for the life of the process even though it is never run (V8 keeps a script's whole source).
 */
const undiciOnFirstUseForClientNode: Plugin = {
  name: 'undici-on-first-use-for-client-node',
  setup(b) {
    b.onResolve({ filter: /^undici$/ }, (args) => (args.importer.includes(CLIENT_NODE) ? { path: 'undici', namespace: 'undici-on-first-use', pluginData: args.resolveDir } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'undici-on-first-use' }, (args) => ({
      resolveDir: args.pluginData as string,
      loader: 'js',
      contents: [
        "import { existsSync } from 'node:fs';",
        "import { fileURLToPath } from 'node:url';",
        'let undici;',
        // This module lands in dist/chunks/ or in an entry point beside dist/vendor/.
        "const file = () => ['../vendor/undici.cjs', './vendor/undici.cjs'].map((p) => fileURLToPath(new URL(p, import.meta.url))).find((f) => existsSync(f));",
        'const load = () => (undici ??= require(file()));',
        'export const fetch = (...args) => load().fetch(...args);',
        'export class Agent { constructor(...args) { return new (load().Agent)(...args); } }',
        'export class ProxyAgent { constructor(...args) { return new (load().ProxyAgent)(...args); } }',
      ].join('\n'),
    }));
  },
};

/**
 * node:http through require(), not `import`. An ES module import of a built-in reads every export to
 * build its namespace, and node:http's lazy WebSocket, CloseEvent and MessageEvent load Node's own
 * undici bundle (fetch, WebSocket: 745 KB of source) for nothing: +2.3 MiB heap and +13 MiB RSS in a
 * bare process. Our code and the AWS SDK's HTTP handler import node:http; require() reads no exports.
 */
const nodeHttpThroughRequire: Plugin = {
  name: 'node-http-through-require',
  setup(b) {
    b.onResolve({ filter: /^(node:)?http$/ }, (args) =>
      args.namespace === 'node-http-through-require' ? { path: 'node:http', external: true } : { path: 'node:http', namespace: 'node-http-through-require' },
    );
    b.onLoad({ filter: /.*/, namespace: 'node-http-through-require' }, () => ({ loader: 'js', contents: "module.exports = require('node:http');" }));
  },
};

export const BUILD_OPTIONS: BuildOptions = {
  absWorkingDir: ROOT,
  // decode-worker: the worker thread decoding keystores (src/reconcilers/server-certificate/secret-decoder.ts
  // starts it from dist/decode-worker.js); ec2-worker: the EC2 SDK's thread (src/aws/ec2.ts, dist/ec2-worker.js).
  entryPoints: {
    main: 'src/main.ts',
    'cli/main': 'src/cli/main.ts',
    'decode-worker': 'src/reconcilers/server-certificate/decode-worker.ts',
    'ec2-worker': 'src/aws/ec2-worker.ts',
  },
  outdir: 'dist',
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node24',
  // The AWS SDK packages' ES module builds ("module") tree-shake per command; their CommonJS
  // builds ("main") are one file per client holding every command.
  mainFields: ['module', 'main'],
  // Whitespace and comments out, identifiers kept (stack traces and error names stay readable; the
  // source maps map lines anyway): V8 keeps every module's source text for the life of the process,
  // and one non-Latin-1 character in a comment (undici has some) makes a whole chunk's text two bytes
  // per character (the app chunk: 4 MB of heap for a 2 MB file).
  minifyWhitespace: true,
  minifySyntax: true,
  sourcemap: 'linked',
  // Stack traces need the mappings, not the sources (which would triple the maps' size).
  sourcesContent: false,
  legalComments: 'linked',
  metafile: true,
  logLevel: 'warning',
  plugins: [clientNodeGeneratedCodeIsPure, undiciOnFirstUseForClientNode, nodeHttpThroughRequire],
  // CommonJS dependencies bundled into an ES module still call require() for Node's built-ins.
  banner: { js: "import { createRequire as __albatrossCreateRequire } from 'node:module';\nconst require = __albatrossCreateRequire(import.meta.url);" },
};

/** undici on its own, for the stand-in above to require on first use (CommonJS: require() is synchronous). */
export const UNDICI_BUILD_OPTIONS: BuildOptions = {
  absWorkingDir: ROOT,
  entryPoints: { 'vendor/undici': 'undici' },
  outdir: 'dist',
  outExtension: { '.js': '.cjs' },
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node24',
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'linked',
  logLevel: 'warning',
};

function newestMtime(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

/** True when dist/ is missing or older than src/, package-lock.json or this script. */
export function isStale(): boolean {
  let built: number;
  try {
    built = statSync(STAMP).mtimeMs;
  } catch {
    return true;
  }
  const inputs = [join(ROOT, 'src'), join(ROOT, 'package-lock.json'), fileURLToPath(import.meta.url)];
  return inputs.some((p) => newestMtime(p) > built);
}

export async function buildDist(): Promise<Metafile> {
  rmSync(DIST, { recursive: true, force: true });
  mkdirSync(DIST, { recursive: true });
  const [result] = await Promise.all([build(BUILD_OPTIONS), build(UNDICI_BUILD_OPTIONS)]);
  if (!result.metafile) throw new Error('esbuild returned no metafile');
  trimSourceMapFiles(Object.keys(result.metafile.outputs).filter((f) => f.endsWith('.map')).map((f) => join(ROOT, f)));
  writeFileSync(join(DIST, 'meta.json'), JSON.stringify(result.metafile));
  writeFileSync(STAMP, `${new Date().toISOString()}\n`);
  return result.metafile;
}

/** Builds unless dist/ is up to date; returns whether it built. */
export async function buildIfStale(): Promise<boolean> {
  if (!isStale()) return false;
  await buildDist();
  return true;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const ifStale = process.argv.includes('--if-stale');
  const t0 = Date.now();
  const built = ifStale ? await buildIfStale() : (await buildDist(), true);
  process.stderr.write(built ? `built dist/ in ${Date.now() - t0} ms\n` : 'dist/ is up to date\n');
}
