{{/* Names and labels. Every resource of a service is named <release>-<chart>, so names are predictable across charts (user's default POINT_SERVICE_ADDR relies on it). */}}
{{- define "backend-lib.fullname" -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "backend-lib.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "backend-lib.labels" -}}
{{ include "backend-lib.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/part-of: backend
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* Labels of this release's `helm test` pods: NetworkPolicies let them in. */}}
{{- define "backend-lib.testPodLabels" -}}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: helm-test
{{- end -}}

{{/* Labels of the migration Job and its pod: not the selector labels, the Service must never route to it. */}}
{{- define "backend-lib.migrationLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}-migrate
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: migration
app.kubernetes.io/part-of: backend
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "backend-lib.image" -}}
{{- $repository := .Values.image.repository -}}
{{- if .Values.image.digest -}}
{{ $repository }}@{{ .Values.image.digest }}
{{- else -}}
{{ $repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}
{{- end -}}

{{- define "backend-lib.clusterDomain" -}}
{{- .Values.global.clusterDomain | default "cluster.local" -}}
{{- end -}}

{{/* The port PORT is bound to: gRPC for point, HTTP for the REST services. */}}
{{- define "backend-lib.mainPort" -}}
{{- if .Values.ports.grpc }}{{ .Values.ports.grpc }}{{ else }}{{ .Values.ports.http }}{{ end -}}
{{- end -}}

{{/* Shutdown: drain + hard timeout, plus a margin, so the kubelet never SIGKILLs a clean shutdown. */}}
{{- define "backend-lib.terminationGracePeriodSeconds" -}}
{{- $ms := add .Values.shutdown.drainDelayMs .Values.shutdown.timeoutMs -}}
{{- add (div (add $ms 999) 1000) .Values.shutdown.graceMarginSeconds -}}
{{- end -}}
