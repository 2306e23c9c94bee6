// AIMD pacing: AWS's Throttling halves a service's rate (once per congestion), success creeps it
// back; callAws retries a throttled call inside the caller and slows every bucket of the service.
import { afterEach, describe, expect, it } from '@jest/globals';
import { Aimd } from '../../../src/aws/aimd.ts';
import { awsBudgetFactor, callAws, configureAwsBudgets } from '../../../src/aws/call.ts';
import { AwsError } from '../../../src/aws/errors.ts';

const throttling = (): Error => Object.assign(new Error('Rate exceeded'), { name: 'Throttling', $metadata: { httpStatusCode: 400 } });
const internal = (): Error => Object.assign(new Error('We encountered an internal error'), { name: 'InternalFailure', $metadata: { httpStatusCode: 500 } });

describe('Aimd', () => {
  it('halves on throttling, once per hold window, never below the floor, and grows back additively', () => {
    let t = 0;
    const a = new Aimd({ decrease: 0.5, increasePerSecond: 0.1, min: 0.2, holdMs: 1000 }, () => t);
    expect(a.throttled()).toBe(0.5);
    t = 500;
    expect(a.throttled()).toBe(0.5); // same congestion
    t = 1600;
    expect(a.throttled()).toBe(0.25);
    t = 2700;
    expect(a.throttled()).toBe(0.2); // floor
    t = 4700;
    expect(a.succeeded()).toBeCloseTo(0.4); // +0.1/s for 2 s
    t = 14700;
    expect(a.succeeded()).toBe(1);
  });
});

describe('callAws under throttling', () => {
  afterEach(() => {
    configureAwsBudgets({});
    delete process.env['ALBATROSS_AWS_MAX_ATTEMPTS'];
  });

  it('retries a throttled call inside the caller and slows the whole service down', async () => {
    configureAwsBudgets('iam:read=1000/1000,iam:write=1000/1000');
    let calls = 0;
    const out = await callAws('iam', 'ListServerCertificates', () => {
      calls += 1;
      return calls <= 2 ? Promise.reject(throttling()) : Promise.resolve('ok');
    });
    expect(out).toBe('ok');
    expect(calls).toBe(3);
    expect(awsBudgetFactor('iam')).toBeLessThan(1);
  });

  it('gives up after ALBATROSS_AWS_MAX_ATTEMPTS throttled attempts with a throttled AwsError', async () => {
    process.env['ALBATROSS_AWS_MAX_ATTEMPTS'] = '3';
    configureAwsBudgets('elbv2:read=1000/1000');
    let calls = 0;
    const err = await callAws('elbv2', 'DescribeRules', () => {
      calls += 1;
      return Promise.reject(throttling());
    }).catch((e: unknown) => e);
    expect(calls).toBe(3);
    expect(err).toBeInstanceOf(AwsError);
    expect(err).toMatchObject({ kind: 'throttled', code: 'Throttling', operation: 'DescribeRules' });
  });

  it('tries a 5xx three times at most and fails other errors at once', async () => {
    configureAwsBudgets('elbv2:write=1000/1000');
    let calls = 0;
    await expect(callAws('elbv2', 'CreateRule', () => (calls++, Promise.reject(internal())))).rejects.toMatchObject({ kind: 'transient' });
    expect(calls).toBe(3);
    calls = 0;
    const invalid = Object.assign(new Error('bad'), { name: 'ValidationError', $metadata: { httpStatusCode: 400 } });
    await expect(callAws('elbv2', 'CreateRule', () => (calls++, Promise.reject(invalid)))).rejects.toMatchObject({ kind: 'invalid' });
    expect(calls).toBe(1);
  });

  it('says when a mutating call is sent again after a transient error (AWS may have done it), not a read, not after throttling', async () => {
    configureAwsBudgets('elbv2:read=1000/1000,elbv2:write=1000/1000');
    const retried: string[] = [];
    const onRetriedWrite = (op: string, code: string): void => void retried.push(`${op} ${code}`);
    let calls = 0;
    const failFirst = (err: () => Error) => () => (++calls === 1 ? Promise.reject(err()) : Promise.resolve('ok'));
    await callAws('elbv2', 'CreateLoadBalancer', failFirst(internal), { onRetriedWrite });
    calls = 0;
    await callAws('elbv2', 'DescribeLoadBalancers', failFirst(internal), { onRetriedWrite });
    calls = 0;
    await callAws('elbv2', 'CreateListener', failFirst(throttling), { onRetriedWrite });
    expect(retried).toEqual(['CreateLoadBalancer InternalFailure']);
  });
});
