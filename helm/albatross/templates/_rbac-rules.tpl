{{/*
Exactly the access the controller uses (src/runtime, src/reconcilers); the integration test
test/integration/deploy/rbac.test.ts runs the controller with nothing more and proves other verbs are refused.
*/}}
{{- define "albatross.rbacRules" -}}
# The three kinds: informers (list/watch), finalizer patches, status writes.
- apiGroups: [albatross.dev]
  resources: [loadbalancedservices, servercertificates, dnsaliases]
  verbs: [get, list, watch, update, patch]
- apiGroups: [albatross.dev]
  resources: [loadbalancedservices/status, servercertificates/status, dnsaliases/status]
  verbs: [get, update, patch]
- apiGroups: [albatross.dev]
  resources: [loadbalancedservices/finalizers, servercertificates/finalizers, dnsaliases/finalizers]
  verbs: [update]
# Secrets referenced by ServerCertificates: the informer lists/watches them (cached without data),
# the data is read with a get of the one referenced Secret.
- apiGroups: [""]
  resources: [secrets]
  verbs: [get, list, watch]
# Target groups that follow a Service's ready endpoints.
- apiGroups: [""]
  resources: [services]
  verbs: [get, list, watch]
- apiGroups: [discovery.k8s.io]
  resources: [endpointslices]
  verbs: [get, list, watch]
# Events on the three kinds (Created, Updated, DriftCorrected, Conflict, ...).
- apiGroups: [""]
  resources: [events]
  verbs: [create, patch]
- apiGroups: [events.k8s.io]
  resources: [events]
  verbs: [create, patch]
{{- end }}
