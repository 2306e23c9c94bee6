import { describe, expect, it } from '@jest/globals';
import { UsageError, parseCommand } from '../../../src/cli/args.ts';

describe('albatross command line', () => {
  it('parses plan with repeated -f, the cluster name and defaults', () => {
    expect(parseCommand(['plan', '-f', 'a.yaml', '-f', 'dir/', '--cluster-name', 'prod'], {})).toEqual({
      kind: 'plan',
      options: { files: ['a.yaml', 'dir/'], recursive: false, clusterName: 'prod', namespace: 'default', output: 'text', adoptNamespaces: [] },
    });
  });

  it('takes the cluster name from ALBATROSS_CLUSTER_NAME, like the controller', () => {
    const c = parseCommand(['plan', '-f', '-', '-o', 'json', '-n', 'prod', '-R'], { ALBATROSS_CLUSTER_NAME: 'c1' });
    expect(c).toMatchObject({ kind: 'plan', options: { clusterName: 'c1', output: 'json', namespace: 'prod', recursive: true, files: ['-'] } });
  });

  it('reads --adopt-namespaces as the controller does: repeated or comma-separated, * for all, the flag over ALBATROSS_ADOPT_NAMESPACES', () => {
    const adopt = (argv: string[], env: NodeJS.ProcessEnv = {}) => (parseCommand(['plan', '-f', 'a', '--cluster-name', 'x', ...argv], env) as { options: { adoptNamespaces: string[] } }).options.adoptNamespaces;
    expect(adopt(['--adopt-namespaces', 'a, b', '--adopt-namespaces', 'c,a'])).toEqual(['a', 'b', 'c']);
    expect(adopt(['--adopt-namespaces', 'a,*'])).toEqual(['*']);
    expect(adopt([], { ALBATROSS_ADOPT_NAMESPACES: 'team-1,team-2' })).toEqual(['team-1', 'team-2']);
    expect(adopt(['--adopt-namespaces', 'ops'], { ALBATROSS_ADOPT_NAMESPACES: 'team-1' })).toEqual(['ops']);
    expect(adopt([])).toEqual([]);
    expect(() => adopt([], { ALBATROSS_ADOPT_NAMESPACES: 'Bad_NS' })).toThrow('invalid namespace "Bad_NS" for ALBATROSS_ADOPT_NAMESPACES');
  });

  it.each([
    [['plan', '-f', 'a', '--cluster-name', 'x', '--adopt-namespaces', 'ok,No'], 'invalid namespace "No" for --adopt-namespaces'],
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
