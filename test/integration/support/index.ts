// Helpers shared by every integration test. See README.md (Testing) for how to use them.
export { apiErrorOf, applyManifests, conditionOf, expectRefused, createTestNamespace, kubeConfig, kubeConfigFor, parseManifests, readManifests, type ApiError, type TestNamespace } from './kube.ts';
export { awsClients, defaultNetwork, type AwsClients } from './aws.ts';
export { uniqueClusterName, uniqueName } from './names.ts';
export { waitFor, type WaitOptions } from './wait.ts';
export { extraApiserver, minimumApiserver, startApiserver, stopApiserver, type TestApiserver } from './apiserver.ts';
export { kstatus, kstatusOf, type Kstatus, type KstatusStatus } from './kstatus.ts';
