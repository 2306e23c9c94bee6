// The production build as a user runs it. Tests and benches that start the controller or the CLI
// as a process run dist/ (scripts/build.ts), with the flags the image uses, not src/ through type
// stripping: the bundle is what ships. The integration tests' global setup, the bench runner and
// the demo build dist/ first when src/ is newer (buildIfStale).
import { join } from 'node:path';
import { isStale } from '../../scripts/build.ts';

const REPO = join(import.meta.dirname, '..', '..');
export const CONTROLLER_ENTRY = join(REPO, 'dist', 'main.js');
export const CLI_ENTRY = join(REPO, 'dist', 'cli', 'main.js');
/**
 * The Dockerfile's ENTRYPOINT flags before the entry point (dockerfile.test.ts holds them equal).
 * The V8 flags trade a little CPU for memory (test/bench/footprint.bench.ts, docs/performance.md):
 * a 1 MB semi-space instead of up to 16 MB per half of the young generation, and optimize-for-size.
 */
export const NODE_FLAGS = ['--enable-source-maps', '--max-semi-space-size=1', '--optimize-for-size'];

/**
 * The Dockerfile's ENV for the controller process (dockerfile.test.ts holds them equal). glibc's
 * malloc gives each thread that allocates (libuv's pool, V8's compiler and GC threads, the decode
 * and EC2 worker threads) an arena of its own, and keeps what is freed in it: at N = 1000 objects
 * a second arena held 18 MB that malloc_trim(0) gave back at once (mostly what a worker thread's
 * start had allocated and freed). One arena, and blocks of 64 KiB and more from mmap with the top
 * of the heap trimmed from 64 KiB: 15 MiB less than two arenas at 128 KiB on the same work
 * (docs/performance.md § Footprint); V8's own heap is unaffected. Musl ignores the variable.
 */
export const CONTROLLER_ENV: Readonly<Record<string, string>> = {
  GLIBC_TUNABLES: 'glibc.malloc.arena_max=1:glibc.malloc.mmap_threshold=65536:glibc.malloc.trim_threshold=65536',
};

function argv(entry: string, args: string[]): string[] {
  if (isStale()) throw new Error('dist/ is missing or older than src/: run `npm run build` (tests and benches build it themselves)');
  return [...NODE_FLAGS, entry, ...args];
}

/** Arguments for `spawn(process.execPath, ...)` that run the bundled controller with these flags. */
export function controllerArgv(args: string[]): string[] {
  return argv(CONTROLLER_ENTRY, args);
}

/** Arguments for `spawn(process.execPath, ...)` that run the bundled `albatross` CLI. */
export function cliArgv(args: string[]): string[] {
  return argv(CLI_ENTRY, args);
}
