#!/usr/bin/env node
// `albatross` command-line tool (package bin: dist/cli/main.js; from the repository:
// `node src/cli/main.ts plan -f examples/ --cluster-name prod`).
import { VERSION } from '../version.ts';
import { EXIT, UsageError, parseCommand } from './args.ts';

async function main(): Promise<number> {
  let command;
  try {
    command = parseCommand(process.argv.slice(2));
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`albatross: ${err.message} (see albatross --help)\n`);
      return EXIT.error;
    }
    throw err;
  }
  switch (command.kind) {
    case 'help':
      process.stdout.write(`${command.text}\n`);
      return 0;
    case 'version':
      process.stdout.write(`albatross ${VERSION}\n`);
      return 0;
    case 'plan': {
      // Imported here, so --help and --version load neither the AWS SDK nor the reconcilers.
      const { runPlan } = await import('./plan-command.ts');
      return runPlan(command.options, {
        stdout: (s) => process.stdout.write(s),
        stderr: (s) => process.stderr.write(s),
      });
    }
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`albatross: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = EXIT.error;
  },
);
