import { describe, expect, it } from '@jest/globals';
import { UsageError, parseCommand } from '../../../src/cli/args.ts';

describe('albatross command line', () => {
  it('parses plan with repeated -f, the cluster name and defaults', () => {
    expect(parseCommand(['plan', '-f', 'a.yaml', '-f', 'dir/', '--cluster-name', 'prod'], {})).toEqual({
      kind: 'plan',
      options: { files: ['a.yaml', 'dir/'], recursive: false, clusterName: 'prod', namespace: 'default', output: 'text' },
    });
  });

  it('takes the cluster name from ALBATROSS_CLUSTER_NAME, like the controller', () => {
    const c = parseCommand(['plan', '-f', '-', '-o', 'json', '-n', 'prod', '-R'], { ALBATROSS_CLUSTER_NAME: 'c1' });
    expect(c).toMatchObject({ kind: 'plan', options: { clusterName: 'c1', output: 'json', namespace: 'prod', recursive: true, files: ['-'] } });
  });

  it.each([
    [['plan', '--cluster-name', 'x'], '-f/--filename is required'],
    [['plan', '-f', 'a'], '--cluster-name is required'],
    [['plan', '-f', 'a', '--cluster-name', 'bad name'], 'invalid cluster name "bad name"'],
    [['plan', '-f', 'a', '--cluster-name', 'x', '-o', 'yaml'], 'invalid --output "yaml"'],
    [['plan', '-f', 'a', '--cluster-name', 'x', '--apply'], "Unknown option '--apply'"],
    [['apply'], 'unknown command "apply"'],
  ])('refuses %j with a message naming the problem', (argv, message) => {
    expect(() => parseCommand(argv, {})).toThrow(UsageError);
    expect(() => parseCommand(argv, {})).toThrow(message);
  });

  it('has help for the tool and for plan, and a version', () => {
    expect(parseCommand([], {})).toMatchObject({ kind: 'help', text: expect.stringContaining('Commands:') });
    expect(parseCommand(['--help'], {})).toMatchObject({ kind: 'help' });
    expect(parseCommand(['plan', '--help'], {})).toMatchObject({ kind: 'help', text: expect.stringContaining('Exit codes') });
    expect(parseCommand(['--version'], {})).toEqual({ kind: 'version' });
  });
});
