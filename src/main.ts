// CLI entry: `node dist/main.js [flags]` (also `node src/main.ts`). Exit codes: 0 stopped cleanly,
// 1 failed or lost leadership, 2 invalid flags.
import { ConfigError, helpText, parseConfig } from './config.ts';
import { VERSION } from './version.ts';

async function main(): Promise<number> {
  let parsed;
  try {
    parsed = parseConfig(process.argv.slice(2));
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`albatross: ${err.message} (see --help)\n`);
      return 2;
    }
    throw err;
  }
  if (parsed.kind === 'help') {
    process.stdout.write(`${helpText()}\n`);
    return 0;
  }
  if (parsed.kind === 'version') {
    process.stdout.write(`albatross ${VERSION}\n`);
    return 0;
  }
  // Imported only to run: --help, --version and flag errors load none of the controller.
  const { startAlbatross } = await import('./app.ts');
  const app = await startAlbatross(parsed.config);
  const onSignal = (signal: NodeJS.Signals): void => {
    app.manager.log.info({ signal }, 'signal received: shutting down');
    void app.stop();
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  const exit = await app.done;
  return exit.exitCode;
}

main().then(
  (code) => {
    process.exitCode = code;
    // Do not wait for stray sockets/timers: the manager has already stopped everything it owns.
    setTimeout(() => process.exit(code), 100).unref();
  },
  (err: unknown) => {
    process.stderr.write(`albatross: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
