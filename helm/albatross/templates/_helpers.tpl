{{/* Chart name, truncated to the 63 characters a label value allows. */}}
{{- define "albatross.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Release-scoped name used for every object. */}}
{{- define "albatross.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "albatross.selectorLabels" -}}
app.kubernetes.io/name: {{ include "albatross.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "albatross.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "albatross.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/component: controller
app.kubernetes.io/part-of: albatross
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "albatross.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "albatross.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create=false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "albatross.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/* The controller's command-line flags, one per line (src/config.ts; `node dist/main.js --help`).
The cluster name is passed as ALBATROSS_CLUSTER_NAME (see deployment.yaml), the one value every
install must set. */}}
{{- define "albatross.args" -}}
{{- $c := .Values.controller -}}
{{- range $c.watchNamespaces }}
- --namespace={{ . }}
{{- end }}
- --resync-period={{ $c.resyncPeriod }}
- --max-concurrent-reconciles={{ $c.maxConcurrentReconciles }}
- --log-level={{ $c.logLevel }}
- --graceful-shutdown-timeout={{ $c.gracefulShutdownTimeout }}
{{- if $c.leaderElection.enabled }}
- --leader-elect
- --leader-election-namespace=$(POD_NAMESPACE)
- --leader-election-id={{ $c.leaderElection.id }}
- --lease-duration={{ $c.leaderElection.leaseDuration }}
- --renew-deadline={{ $c.leaderElection.renewDeadline }}
- --retry-period={{ $c.leaderElection.retryPeriod }}
{{- else }}
- --no-leader-elect
{{- end }}
- --metrics-bind-address={{ if eq (int $c.metricsPort) 0 }}0{{ else }}:{{ $c.metricsPort }}{{ end }}
- --health-probe-bind-address=:{{ $c.healthProbePort }}
{{- with $c.adoptNamespaces }}
- {{ printf "--adopt-namespaces=%s" (join "," .) | quote }}
{{- end }}
{{- with $c.awsBudgets }}
- {{ printf "--aws-budgets=%s" . | quote }}
{{- end }}
{{- range $c.extraArgs }}
- {{ . | quote }}
{{- end }}
{{- end }}
