// AWS SDK clients pointed at moto (AWS_ENDPOINT_URL from the global setup), for tests to *assert*
// what the controller did. The controller itself talks to AWS only through src/aws/.
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
  if (!process.env['AWS_ENDPOINT_URL']?.startsWith('http://127.0.0.1:')) {
    throw new Error(`AWS_ENDPOINT_URL must point at the local moto (got ${process.env['AWS_ENDPOINT_URL'] ?? 'nothing'}): integration tests never talk to real AWS`);
  }
  // Region, endpoint and credentials come from the environment variables the global setup exported.
  clients ??= { elbv2: new ElasticLoadBalancingV2Client({}), iam: new IAMClient({}), route53: new Route53Client({}), ec2: new EC2Client({}) };
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
