// Worker-thread entry of the EC2 port (./ec2.ts, ./security-groups.ts): the EC2 SDK client lives
// here, not on the event loop. Importing @aws-sdk/client-ec2 builds about 1 MB of schemas in one
// synchronous step (150-250 ms of CPU on an idle machine, over a second where CPU is short), which
// on the main thread would stall /healthz and lease renewals right when a new leader starts its
// first sync. Each job is one SDK call (no SDK retries: the caller's callAws paces and retries, as
// for every other AWS call); the answer is reduced to the fields the port reads.
import {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  CreateTagsCommand,
  DeleteSecurityGroupCommand,
  DeleteTagsCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  EC2Client,
  RevokeSecurityGroupIngressCommand,
  type IpPermission,
  type SecurityGroup,
} from '@aws-sdk/client-ec2';
import { serveInWorker } from '../runtime/worker-serve.ts';
import type { Ec2Job, Ec2Permission, Ec2Result, Ec2SecurityGroup } from './ec2-jobs.ts';

// One attempt per call, as sdkClientConfig() (./call.ts) gives every other client.
const client = new EC2Client({ maxAttempts: 1 });

const permission = (p: IpPermission): Ec2Permission => ({
  protocol: p.IpProtocol ?? '',
  ...(p.FromPort !== undefined ? { fromPort: p.FromPort } : {}),
  ...(p.ToPort !== undefined ? { toPort: p.ToPort } : {}),
  cidrs: (p.IpRanges ?? []).flatMap((r) => (r.CidrIp ? [r.CidrIp] : [])),
  ipv6Cidrs: (p.Ipv6Ranges ?? []).flatMap((r) => (r.CidrIpv6 ? [r.CidrIpv6] : [])),
  groups: (p.UserIdGroupPairs ?? []).flatMap((g) => (g.GroupId ? [g.GroupId] : [])),
});

const securityGroup = (g: SecurityGroup): Ec2SecurityGroup => ({
  groupId: g.GroupId ?? '',
  groupName: g.GroupName ?? '',
  vpcId: g.VpcId ?? '',
  description: g.Description ?? '',
  tags: Object.fromEntries((g.Tags ?? []).flatMap((t) => (t.Key ? [[t.Key, t.Value ?? '']] : []))),
  ingress: (g.IpPermissions ?? []).map(permission),
});

serveInWorker(async (job: Ec2Job): Promise<Ec2Result> => {
  switch (job.op) {
    case 'DescribeVpcs': {
      const out = await client.send(new DescribeVpcsCommand(job.input));
      return {
        op: 'DescribeVpcs',
        vpcs: (out.Vpcs ?? []).map((v) => ({
          ...(v.VpcId ? { vpcId: v.VpcId } : {}),
          ...(v.CidrBlock ? { cidrBlock: v.CidrBlock } : {}),
          associations: (v.CidrBlockAssociationSet ?? []).map((a) => ({ ...(a.CidrBlock ? { cidrBlock: a.CidrBlock } : {}), ...(a.CidrBlockState?.State ? { state: a.CidrBlockState.State } : {}) })),
          ipv6Associations: (v.Ipv6CidrBlockAssociationSet ?? []).map((a) => ({
            ...(a.Ipv6CidrBlock ? { cidrBlock: a.Ipv6CidrBlock } : {}),
            ...(a.Ipv6CidrBlockState?.State ? { state: a.Ipv6CidrBlockState.State } : {}),
          })),
        })),
      };
    }
    case 'DescribeSubnets': {
      const out = await client.send(new DescribeSubnetsCommand(job.input));
      return {
        op: 'DescribeSubnets',
        subnets: (out.Subnets ?? []).map((s) => ({
          ...(s.SubnetId ? { subnetId: s.SubnetId } : {}),
          ...(s.AvailabilityZone ? { zone: s.AvailabilityZone } : {}),
          ...(s.VpcId ? { vpcId: s.VpcId } : {}),
          defaultForAz: s.DefaultForAz === true,
        })),
        ...(out.NextToken ? { nextToken: out.NextToken } : {}),
      };
    }
    case 'DescribeSecurityGroups': {
      const out = await client.send(new DescribeSecurityGroupsCommand(job.input));
      return { op: 'DescribeSecurityGroups', groups: (out.SecurityGroups ?? []).map(securityGroup), ...(out.NextToken ? { nextToken: out.NextToken } : {}) };
    }
    case 'CreateSecurityGroup': {
      const out = await client.send(new CreateSecurityGroupCommand(job.input));
      return { op: 'CreateSecurityGroup', groupId: out.GroupId ?? '' };
    }
    case 'AuthorizeSecurityGroupIngress':
      await client.send(new AuthorizeSecurityGroupIngressCommand(job.input));
      return { op: job.op };
    case 'RevokeSecurityGroupIngress':
      await client.send(new RevokeSecurityGroupIngressCommand(job.input));
      return { op: job.op };
    case 'DeleteSecurityGroup':
      await client.send(new DeleteSecurityGroupCommand(job.input));
      return { op: job.op };
    case 'CreateTags':
      await client.send(new CreateTagsCommand(job.input));
      return { op: job.op };
    case 'DeleteTags':
      await client.send(new DeleteTagsCommand(job.input));
      return { op: job.op };
  }
});
