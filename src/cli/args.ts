// Command line of `albatross`: `albatross plan -f <manifests> --cluster-name <name>`, --help, --version.
import { parseArgs } from 'node:util';
import { ADOPT_NAMESPACES_ENV, ConfigError, parseAdoptNamespaces } from '../config.ts';

/** Exit codes of `albatross plan`, like `terraform plan -detailed-exitcode` (1 also for usage errors). */
export const EXIT = { noChanges: 0, error: 1, changes: 2 } as const;

export const TOP_HELP = `Usage: albatross <command> [flags]

Commands:
  plan     Show what the controller would do in AWS for the given manifests, changing nothing.

Flags:
  -h, --help      Show help (also: albatross plan --help).
  --version       Print the version.`;

export const PLAN_HELP = `Usage: albatross plan -f <file|dir|-> [-f ...] --cluster-name <name> [flags]

Reads LoadBalancedService, ServerCertificate and DnsAlias manifests (YAML or JSON; directories are
read for *.yaml, *.yml and *.json; "-" is standard input), observes AWS with your credentials (the
AWS SDK's standard environment: AWS_PROFILE, AWS_REGION, ...), and prints the ordered plan the
controller would apply: what would be created (+), changed in place (~), replaced
create-before-destroy (-/+) and deleted (-). Nothing is changed.

It runs the controller's own build, observe and plan code. ServerCertificates need their Secret
in the manifests (kind: Secret, same namespace). A target group with a serviceRef keeps the targets
AWS has (endpoints live in the cluster, not in the manifests).

Flags:
  -f, --filename <path>      Manifest file or directory; repeat for several; "-" reads stdin.
  -R, --recursive            Read directories recursively.
      --cluster-name <name>  The controller's --cluster-name: whose AWS objects are "ours".
                             Default: $ALBATROSS_CLUSTER_NAME.
  -n, --namespace <ns>       Namespace of manifests that name none (default "default").
      --adopt-namespaces <ns>
                             The controller's --adopt-namespaces: namespaces whose spec.adopt: true
                             may take over unowned AWS objects (repeat or comma-separate; '*' all).
                             Elsewhere adopt: true is shown as AdoptionNotAllowed, as the controller
                             reports it. Default: $ALBATROSS_ADOPT_NAMESPACES, else none.
  -o, --output <format>      text (default) or json.
  -h, --help                 Show this help.

Exit codes (like terraform plan -detailed-exitcode):
  0  no changes: AWS matches the manifests
  1  error (unreadable manifests, invalid spec, conflict, AWS error)
  2  changes to apply`;

export interface PlanOptions {
  files: string[];
  recursive: boolean;
  clusterName: string;
  namespace: string;
  output: 'text' | 'json';
  /** The controller's --adopt-namespaces (src/config.ts): ['*'] all, [] none. */
  adoptNamespaces: string[];
}

export type Command =
  | { kind: 'help'; text: string }
  | { kind: 'version' }
  | { kind: 'plan'; options: PlanOptions };

export class UsageError extends Error {
  override name = 'UsageError';
}

export function parseCommand(argv: string[], env: NodeJS.ProcessEnv = process.env): Command {
  const [command, ...rest] = argv;
  if (command === undefined || command === '-h' || command === '--help' || command === 'help') return { kind: 'help', text: TOP_HELP };
  if (command === '--version' || command === 'version') return { kind: 'version' };
  if (command !== 'plan') throw new UsageError(`unknown command "${command}"`);
  return parsePlan(rest, env);
}

function parsePlan(argv: string[], env: NodeJS.ProcessEnv): Command {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      allowPositionals: false,
      strict: true,
      options: {
        filename: { type: 'string', short: 'f', multiple: true },
        recursive: { type: 'boolean', short: 'R' },
        'cluster-name': { type: 'string' },
        namespace: { type: 'string', short: 'n' },
        'adopt-namespaces': { type: 'string', multiple: true },
        output: { type: 'string', short: 'o' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    throw new UsageError(err instanceof Error ? (err.message.split('\n')[0] ?? err.message) : String(err));
  }
  if (values.help) return { kind: 'help', text: PLAN_HELP };
  const files = values.filename ?? [];
  if (files.length === 0) throw new UsageError('-f/--filename is required: the manifests to plan');
  const clusterName = values['cluster-name'] ?? env['ALBATROSS_CLUSTER_NAME'] ?? '';
  if (!clusterName) throw new UsageError('--cluster-name is required (or set ALBATROSS_CLUSTER_NAME): the name the controller runs with');
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(clusterName)) {
    throw new UsageError(`invalid cluster name "${clusterName}": 1-63 characters of A-Z a-z 0-9 . _ - starting with a letter or digit`);
  }
  const output = values.output ?? 'text';
  if (output !== 'text' && output !== 'json') throw new UsageError(`invalid --output "${output}": text or json`);
  const namespace = values.namespace ?? 'default';
  if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(namespace)) throw new UsageError(`invalid --namespace "${namespace}": must be a DNS label`);
  const adopt = values['adopt-namespaces'];
  let adoptNamespaces: string[];
  try {
    // The controller's own parsing: the flag (repeated or comma-separated) wins over the variable.
    adoptNamespaces = adopt ? parseAdoptNamespaces(adopt.join(','), '--adopt-namespaces') : parseAdoptNamespaces(env[ADOPT_NAMESPACES_ENV], ADOPT_NAMESPACES_ENV);
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(err.message);
    throw err;
  }
  return { kind: 'plan', options: { files, recursive: values.recursive ?? false, clusterName, namespace, output, adoptNamespaces } };
}
