// Per-file setup for the integration project: real components are slower than a unit test's 5 s.
// (`testTimeout` in a jest project config is ignored; it is only a global option.)
import { jest } from '@jest/globals';

jest.setTimeout(120_000);

// Each jest worker calls AWS with its own access key, which the limits proxy in front of moto
// (test/env/aws-limits) takes for its own account: test files running in parallel each get AWS's
// per-account request limits, as separate accounts would, and its call counts (?account=) are
// theirs alone. moto keeps one account for any key, so what they create is seen by all.
process.env['AWS_ACCESS_KEY_ID'] = `testing-worker-${process.env['JEST_WORKER_ID'] ?? '1'}`;
