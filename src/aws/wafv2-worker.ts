// Worker-thread entry of the WAFv2 port (./wafv2.ts): the WAFv2 SDK client lives here, not on the
// event loop, for the same reasons as the EC2 client (./ec2-worker.ts): importing it builds its
// schemas in one synchronous step, and it is needed only by load balancers with a web ACL, so its
// code and memory are not kept for the life of the process (the thread stops when idle).
// Each job is one SDK call without SDK retries: the caller's callAws paces, retries and counts it.
import { AssociateWebACLCommand, DisassociateWebACLCommand, GetWebACLForResourceCommand, WAFV2Client } from '@aws-sdk/client-wafv2';
import { serveInWorker } from '../runtime/worker-serve.ts';
import type { Wafv2Job, Wafv2Result } from './wafv2-jobs.ts';

// One attempt per call, as sdkClientConfig() (./call.ts) gives every other client.
const client = new WAFV2Client({ maxAttempts: 1 });

serveInWorker(async (job: Wafv2Job): Promise<Wafv2Result> => {
  switch (job.op) {
    case 'GetWebACLForResource': {
      const out = await client.send(new GetWebACLForResourceCommand({ ResourceArn: job.resourceArn }));
      return { op: job.op, webAclArn: out.WebACL?.ARN ?? null };
    }
    case 'AssociateWebACL':
      await client.send(new AssociateWebACLCommand({ WebACLArn: job.webAclArn, ResourceArn: job.resourceArn }));
      return { op: job.op };
    case 'DisassociateWebACL':
      await client.send(new DisassociateWebACLCommand({ ResourceArn: job.resourceArn }));
      return { op: job.op };
  }
});
