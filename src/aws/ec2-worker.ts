// Worker-thread entry of the EC2 port (./ec2.ts): the EC2 SDK client lives here, not on the event
// loop. Importing @aws-sdk/client-ec2 builds about 1 MB of schemas in one synchronous step
// (150-250 ms of CPU on an idle machine, over a second where CPU is short), which on the main
// thread would stall /healthz and lease renewals right when a new leader starts its first sync.
// Each job is one SDK call (no SDK retries: the caller's callAws paces and retries, as for every
// other AWS call); the answer is reduced to the fields the port reads.
import { DescribeSubnetsCommand, DescribeVpcsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { serveInWorker } from '../runtime/worker-serve.ts';
import type { Ec2Job, Ec2Result } from './ec2-jobs.ts';

// One attempt per call, as sdkClientConfig() (./call.ts) gives every other client.
const client = new EC2Client({ maxAttempts: 1 });

serveInWorker(async (job: Ec2Job): Promise<Ec2Result> => {
  if (job.op === 'DescribeVpcs') {
    const out = await client.send(new DescribeVpcsCommand(job.input));
    return {
      op: 'DescribeVpcs',
      vpcs: (out.Vpcs ?? []).map((v) => ({
        ...(v.VpcId ? { vpcId: v.VpcId } : {}),
        ...(v.CidrBlock ? { cidrBlock: v.CidrBlock } : {}),
        associations: (v.CidrBlockAssociationSet ?? []).map((a) => ({ ...(a.CidrBlock ? { cidrBlock: a.CidrBlock } : {}), ...(a.CidrBlockState?.State ? { state: a.CidrBlockState.State } : {}) })),
      })),
    };
  }
  const out = await client.send(new DescribeSubnetsCommand(job.input));
  return {
    op: 'DescribeSubnets',
    subnets: (out.Subnets ?? []).map((s) => ({ ...(s.SubnetId ? { subnetId: s.SubnetId } : {}), ...(s.AvailabilityZone ? { zone: s.AvailabilityZone } : {}), defaultForAz: s.DefaultForAz === true })),
    ...(out.NextToken ? { nextToken: out.NextToken } : {}),
  };
});
