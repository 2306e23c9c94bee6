// Worker-thread entry: decodes one Secret's certificate material (see ./secret-decoder.ts).
import { serveInWorker } from '../../runtime/worker-serve.ts';
import { decodeSecret, type DecodedSecret } from './decode.ts';
import type { SecretData, SecretKeys } from './read-secret.ts';

export interface DecodeJob {
  data: SecretData;
  keys: SecretKeys;
}

serveInWorker<DecodeJob, DecodedSecret>((job) => decodeSecret(job.data, job.keys));
