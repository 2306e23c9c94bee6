{{/*
Exactly the access the controller uses (src/runtime: informers list+watch, status PUT, finalizer JSON
patches, Secret reads, core/v1 Events). test/integration/deploy/rbac.test.ts proves other verbs are
refused, and the controller is run with nothing more than this.
*/}}
{{- define "albatross.rbacRules" -}}
# The three kinds: informers (list/watch), re-reads after a conflict (get), finalizer JSON patches
# (patch). The controller never writes a spec: no update, create or delete.
- apiGroups: [albatross.dev]
  resources: [loadbalancedservices, servercertificates, dnsaliases]
  verbs: [get, list, watch, patch]
# Status is written with PUT to the /status subresource (resourceVersion precondition).
- apiGroups: [albatross.dev]
  resources: [loadbalancedservices/status, servercertificates/status, dnsaliases/status]
  verbs: [update]
# Secrets referenced by ServerCertificates: the informer lists/watches their metadata only (no data);
# the data of the one referenced Secret is read with get.
- apiGroups: [""]
  resources: [secrets]
  verbs: [get, list, watch]
# Target groups that follow a Service's ready endpoints (informers only).
- apiGroups: [""]
  resources: [services]
  verbs: [list, watch]
- apiGroups: [discovery.k8s.io]
  resources: [endpointslices]
  verbs: [list, watch]
# core/v1 Events on the three kinds; repeats bump count/lastTimestamp with a merge patch.
- apiGroups: [""]
  resources: [events]
  verbs: [create, patch]
{{- end }}
