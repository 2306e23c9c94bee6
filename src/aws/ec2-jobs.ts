// The messages between the EC2 port (./ec2.ts) and its worker thread (./ec2-worker.ts): plain data.
import type { DescribeSubnetsCommandInput, DescribeVpcsCommandInput } from '@aws-sdk/client-ec2';

export type Ec2Job = { op: 'DescribeVpcs'; input: DescribeVpcsCommandInput } | { op: 'DescribeSubnets'; input: DescribeSubnetsCommandInput };

export interface Ec2Vpc {
  vpcId?: string;
  cidrBlock?: string;
  associations: Array<{ cidrBlock?: string; state?: string }>;
}

export interface Ec2Subnet {
  subnetId?: string;
  zone?: string;
  defaultForAz: boolean;
}

export type Ec2Result = { op: 'DescribeVpcs'; vpcs: Ec2Vpc[] } | { op: 'DescribeSubnets'; subnets: Ec2Subnet[]; nextToken?: string };
