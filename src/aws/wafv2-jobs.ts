// The messages between the WAFv2 port (./wafv2.ts) and its worker thread (./wafv2-worker.ts): plain data.

export type Wafv2Job =
  | { op: 'GetWebACLForResource'; resourceArn: string }
  | { op: 'AssociateWebACL'; webAclArn: string; resourceArn: string }
  | { op: 'DisassociateWebACL'; resourceArn: string };

export type Wafv2Result =
  /** webAclArn null: no web ACL is associated with the resource */
  | { op: 'GetWebACLForResource'; webAclArn: string | null }
  | { op: 'AssociateWebACL' }
  | { op: 'DisassociateWebACL' };
