// Where the managed security groups live and whom they admit by default, from EC2 (cached reads,
// ../../aws/ec2.ts): the load balancer's VPC (the default VPC, or the VPC of the spec's subnets)
// and, for an internal scheme without inboundCidrs, that VPC's CIDR blocks. Shared by the
// reconciler and `albatross plan`.
import type { DefaultNetwork, Ec2Api } from '../../aws/ec2.ts';
import type { LoadBalancedServiceSpec } from '../../crds/index.ts';
import type { SecurityGroupNetwork } from './security-groups.ts';

/** Subnets in several VPCs (or none) throw a plain Error naming them: a spec problem. */
export async function resolveSecurityGroupNetwork(
  ec2: Ec2Api,
  spec: LoadBalancedServiceSpec,
  defaultNetwork: () => Promise<DefaultNetwork>,
): Promise<SecurityGroupNetwork> {
  const lb = spec.loadBalancer ?? {};
  const vpcId = lb.subnets?.length ? await ec2.subnetsVpc(lb.subnets) : (await defaultNetwork()).vpcId;
  const needsVpcBlocks = (lb.scheme ?? 'internet-facing') === 'internal' && !lb.inboundCidrs?.length;
  const [ipv4Cidrs, ipv6Cidrs] = needsVpcBlocks
    ? await Promise.all([ec2.vpcCidrs(vpcId), lb.ipAddressType === 'dualstack' ? ec2.vpcIpv6Cidrs(vpcId) : Promise.resolve([])])
    : [[], []];
  return { vpcId, ipv4Cidrs, ipv6Cidrs };
}
