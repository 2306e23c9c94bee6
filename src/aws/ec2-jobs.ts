// The messages between the EC2 port (./ec2.ts, ./security-groups.ts) and its worker thread
// (./ec2-worker.ts): plain data.
import type {
  AuthorizeSecurityGroupIngressCommandInput,
  CreateSecurityGroupCommandInput,
  CreateTagsCommandInput,
  DeleteSecurityGroupCommandInput,
  DeleteTagsCommandInput,
  DescribeSecurityGroupsCommandInput,
  DescribeSubnetsCommandInput,
  DescribeVpcsCommandInput,
  RevokeSecurityGroupIngressCommandInput,
} from '@aws-sdk/client-ec2';

export type Ec2Job =
  | { op: 'DescribeVpcs'; input: DescribeVpcsCommandInput }
  | { op: 'DescribeSubnets'; input: DescribeSubnetsCommandInput }
  | { op: 'DescribeSecurityGroups'; input: DescribeSecurityGroupsCommandInput }
  | { op: 'CreateSecurityGroup'; input: CreateSecurityGroupCommandInput }
  | { op: 'AuthorizeSecurityGroupIngress'; input: AuthorizeSecurityGroupIngressCommandInput }
  | { op: 'RevokeSecurityGroupIngress'; input: RevokeSecurityGroupIngressCommandInput }
  | { op: 'DeleteSecurityGroup'; input: DeleteSecurityGroupCommandInput }
  | { op: 'CreateTags'; input: CreateTagsCommandInput }
  | { op: 'DeleteTags'; input: DeleteTagsCommandInput };

export interface Ec2Vpc {
  vpcId?: string;
  cidrBlock?: string;
  associations: Array<{ cidrBlock?: string; state?: string }>;
  ipv6Associations: Array<{ cidrBlock?: string; state?: string }>;
}

export interface Ec2Subnet {
  subnetId?: string;
  zone?: string;
  vpcId?: string;
  defaultForAz: boolean;
}

/** One ingress permission as EC2 reports it: a protocol and port range with its sources. */
export interface Ec2Permission {
  protocol: string;
  fromPort?: number;
  toPort?: number;
  cidrs: string[];
  ipv6Cidrs: string[];
  /** source security group ids */
  groups: string[];
}

export interface Ec2SecurityGroup {
  groupId: string;
  groupName: string;
  vpcId: string;
  description: string;
  tags: Record<string, string>;
  ingress: Ec2Permission[];
}

export type Ec2Result =
  | { op: 'DescribeVpcs'; vpcs: Ec2Vpc[] }
  | { op: 'DescribeSubnets'; subnets: Ec2Subnet[]; nextToken?: string }
  | { op: 'DescribeSecurityGroups'; groups: Ec2SecurityGroup[]; nextToken?: string }
  | { op: 'CreateSecurityGroup'; groupId: string }
  | { op: 'AuthorizeSecurityGroupIngress' | 'RevokeSecurityGroupIngress' | 'DeleteSecurityGroup' | 'CreateTags' | 'DeleteTags' };
