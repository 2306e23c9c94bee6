// albatross_certificate_expiry_timestamp_seconds{namespace,name}: notAfter of the certificate in
// use, for alerts such as `albatross_certificate_expiry_timestamp_seconds - time() < 14 * 86400`.
import { Gauge, register } from 'prom-client';

const NAME = 'albatross_certificate_expiry_timestamp_seconds';

export function expiryGauge(): Gauge<'namespace' | 'name'> {
  const existing = register.getSingleMetric(NAME);
  if (existing) return existing as Gauge<'namespace' | 'name'>;
  return new Gauge({
    name: NAME,
    help: 'notAfter (Unix seconds) of the IAM server certificate each ServerCertificate has in use',
    labelNames: ['namespace', 'name'],
  });
}
