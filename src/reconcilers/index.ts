// The controllers this process runs. Each reconciler module adds its registration here (one line
// in the list, plus its import). See docs/runtime.md.
import type { ControllerRegistration } from '../runtime/index.ts';
import { dnsAliasController } from './dns-alias/reconciler.ts';
import { loadBalancedServiceController } from './load-balanced-service/reconciler.ts';
import { serverCertificateController } from './server-certificate/reconciler.ts';

export const controllers: ControllerRegistration[] = [
  dnsAliasController(),
  loadBalancedServiceController(),
  serverCertificateController(),
];
