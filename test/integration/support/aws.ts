// AWS SDK clients pointed at moto itself (MOTO_ENDPOINT_URL from the global setup, not the limits
// proxy the controller goes through), for tests to *assert* what the controller did: assertions
// are neither throttled nor counted. The controller itself talks to AWS only through src/aws/.
import { DescribeSubnetsCommand, DescribeVpcsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { IAMClient } from '@aws-sdk/client-iam';
import { Route53Client } from '@aws-sdk/client-route-53';

export interface AwsClients {
  elbv2: ElasticLoadBalancingV2Client;
  iam: IAMClient;
  route53: Route53Client;
  ec2: EC2Client;
}

let clients: AwsClients | undefined;

export function awsClients(): AwsClients {
  const endpoint = process.env['MOTO_ENDPOINT_URL'] ?? process.env['AWS_ENDPOINT_URL'];
  if (!endpoint?.startsWith('http://127.0.0.1:') || !process.env['AWS_ENDPOINT_URL']?.startsWith('http://127.0.0.1:')) {
    throw new Error(`AWS_ENDPOINT_URL and MOTO_ENDPOINT_URL must point at the local environment (got ${process.env['AWS_ENDPOINT_URL'] ?? 'nothing'}, ${process.env['MOTO_ENDPOINT_URL'] ?? 'nothing'}): integration tests never talk to real AWS`);
  }
  // Region and credentials come from the environment variables the global setup exported.
  const cfg = { endpoint };
  clients ??= { elbv2: new ElasticLoadBalancingV2Client(cfg), iam: new IAMClient(cfg), route53: new Route53Client(cfg), ec2: new EC2Client(cfg) };
  return clients;
}

/** moto's default VPC in us-east-1 and its default subnets (one per zone), for specs that name subnets. */
export async function defaultNetwork(): Promise<{ vpcId: string; subnetIds: string[] }> {
  const { ec2 } = awsClients();
  const vpcs = await ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: 'is-default', Values: ['true'] }] }));
  const vpcId = vpcs.Vpcs?.[0]?.VpcId;
  if (!vpcId) throw new Error('moto has no default VPC');
  const subnets = await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }, { Name: 'default-for-az', Values: ['true'] }] }));
  const sorted = (subnets.Subnets ?? []).sort((a, b) => (a.AvailabilityZone ?? '').localeCompare(b.AvailabilityZone ?? ''));
  return { vpcId, subnetIds: sorted.map((s) => s.SubnetId).filter((id): id is string => id !== undefined) };
}
