// --aws-budgets' text form, and that configureAwsBudgets really paces callAws.
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { AwsBudgetError, DEFAULT_BUDGETS, apiClassOf, formatAwsBudgets, parseAwsBudgets } from '../../../src/aws/budgets.ts';
import { callAws, configureAwsBudgets } from '../../../src/aws/call.ts';

describe('parseAwsBudgets', () => {
  it('reads comma-separated <service>:<class>=<rate>/<burst> entries; others are left out', () => {
    expect(parseAwsBudgets(' elbv2:read=2.5/4, route53:write=1/1 ')).toEqual({
      'elbv2:read': { ratePerSecond: 2.5, burst: 4 },
      'route53:write': { ratePerSecond: 1, burst: 1 },
    });
    expect(parseAwsBudgets('')).toEqual({});
  });

  it('formats back to the same text (the defaults as --help shows them)', () => {
    expect(formatAwsBudgets(parseAwsBudgets(formatAwsBudgets(DEFAULT_BUDGETS)))).toBe(formatAwsBudgets(DEFAULT_BUDGETS));
    expect(formatAwsBudgets(DEFAULT_BUDGETS)).toMatch(/^elbv2:read=10\/30,elbv2:write=3\/15,elbv2:register=4\/15,elbv2:modify=3\/15,/);
  });

  it.each([
    ['s3:read=1/1', 's3:read=1/1', 'expected <service>:<class>=<rate per second>/<burst>'],
    ['iam:modify=1/1', 'iam:modify=1/1', 'expected'],
    ['elbv2:read=1/1,iam:list=1/1', 'iam:list=1/1', 'expected'],
    ['route53:write=2', 'route53:write=2', 'expected'],
    ['iam:write=0/5', 'iam:write=0/5', 'the rate must be above 0 and the burst at least 1'],
    ['iam:write=5/0', 'iam:write=5/0', 'the rate must be above 0 and the burst at least 1'],
    ['ec2:read=1/1,ec2:read=2/2', 'ec2:read=2/2', 'ec2:read is given twice'],
  ])('refuses %j, naming the entry %j', (text, entry, problem) => {
    let err: unknown;
    try {
      parseAwsBudgets(text);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AwsBudgetError);
    expect((err as AwsBudgetError).entry).toBe(entry);
    expect((err as AwsBudgetError).problem).toContain(problem);
  });
});

describe('configureAwsBudgets', () => {
  // A fake clock (timers and performance.now): which calls went out after how much time, exactly.
  beforeEach(() => {
    jest.useFakeTimers();
  });
  afterEach(() => {
    configureAwsBudgets({});
    jest.useRealTimers();
  });
  /** Starts n calls at once; returns how many have gone out so far, as the clock is moved. */
  const startCalls = (n: number): (() => number) => {
    let sent = 0;
    for (let i = 0; i < n; i++) void callAws('route53', 'ListHostedZones', () => Promise.resolve(sent++));
    return () => sent;
  };

  it('paces calls of a class at the configured rate once its burst is spent', async () => {
    configureAwsBudgets('route53:read=10/1');
    // burst 1, then one token every 100 ms.
    const sent = startCalls(3);
    await jest.advanceTimersByTimeAsync(0);
    expect(sent()).toBe(1);
    await jest.advanceTimersByTimeAsync(99);
    expect(sent()).toBe(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(sent()).toBe(2);
    await jest.advanceTimersByTimeAsync(100);
    expect(sent()).toBe(3);
  });

  it('leaves the defaults (route53 read burst 3) for classes not configured', async () => {
    configureAwsBudgets('route53:write=1/1');
    const sent = startCalls(4);
    await jest.advanceTimersByTimeAsync(0);
    expect(sent()).toBe(3);
  });

  it('refuses bad text with the entry named', () => {
    expect(() => configureAwsBudgets('route53:read=fast')).toThrow('invalid AWS budget "route53:read=fast": expected');
  });
});

describe('apiClassOf', () => {
  it('puts ELBv2 registration and Modify* calls in buckets of their own, as AWS throttles them', () => {
    expect(apiClassOf('elbv2', 'DescribeTargetHealth')).toBe('read');
    expect(apiClassOf('elbv2', 'RegisterTargets')).toBe('register');
    expect(apiClassOf('elbv2', 'DeregisterTargets')).toBe('register');
    expect(apiClassOf('elbv2', 'ModifyRule')).toBe('modify');
    expect(apiClassOf('elbv2', 'CreateRule')).toBe('write');
    expect(apiClassOf('route53', 'ChangeResourceRecordSets')).toBe('write');
    expect(apiClassOf('iam', 'GetServerCertificate')).toBe('read');
  });

  it('keeps every default at or below the refill rates AWS documents', () => {
    const documented: Record<string, number> = { 'elbv2:read': 10, 'elbv2:register': 4, 'elbv2:modify': 3, 'elbv2:write': 3, 'ec2:read': 20 };
    for (const [k, rate] of Object.entries(documented)) expect(DEFAULT_BUDGETS[k as keyof typeof DEFAULT_BUDGETS].ratePerSecond).toBeLessThanOrEqual(rate);
    // Route 53: five requests per second per account, reads and changes together.
    expect(DEFAULT_BUDGETS['route53:read'].ratePerSecond + DEFAULT_BUDGETS['route53:write'].ratePerSecond).toBeLessThanOrEqual(5);
  });
});
