{{/* Names and labels. Every resource of a service is named <release>-<service> (the chart's alias in charts/backend), so names are predictable across services (user's default POINT_SERVICE_ADDR relies on it). */}}
{{- define "service.fullname" -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "service.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "service.labels" -}}
{{ include "service.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/part-of: backend
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* Labels of this release's `helm test` pods: NetworkPolicies let them in. */}}
{{- define "service.testPodLabels" -}}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: helm-test
{{- end -}}

{{/* Labels of the migration Job and its pod: not the selector labels, the Service must never route to it. */}}
{{- define "service.migrationLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}-migrate
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: migration
app.kubernetes.io/part-of: backend
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "service.image" -}}
{{- $repository := .Values.image.repository -}}
{{- if .Values.image.digest -}}
{{ $repository }}@{{ .Values.image.digest }}
{{- else -}}
{{ $repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}
{{- end -}}

{{- define "service.clusterDomain" -}}
{{- .Values.global.clusterDomain | default "cluster.local" -}}
{{- end -}}

{{/* The port PORT is bound to: gRPC for point, HTTP for the REST services. */}}
{{- define "service.mainPort" -}}
{{- if .Values.ports.grpc }}{{ .Values.ports.grpc }}{{ else }}{{ .Values.ports.http }}{{ end -}}
{{- end -}}

{{/* The Service's name: <release>-<service>, with -headless for a headless one (point). */}}
{{- define "service.serviceName" -}}
{{- if .Values.service.headless -}}
{{ include "service.fullname" . }}-headless
{{- else -}}
{{ include "service.fullname" . }}
{{- end -}}
{{- end -}}

{{/* Shutdown: drain + hard timeout, plus a margin, so the kubelet never SIGKILLs a clean shutdown. */}}
{{- define "service.terminationGracePeriodSeconds" -}}
{{- $ms := add .Values.shutdown.drainDelayMs .Values.shutdown.timeoutMs -}}
{{- add (div (add $ms 999) 1000) .Values.shutdown.graceMarginSeconds -}}
{{- end -}}

{{/* Spread replicas over zones and nodes; soft by default so a single-node kind cluster still schedules. */}}
{{- define "service.topologySpreadConstraints" -}}
{{- if .Values.topologySpreadConstraints -}}
topologySpreadConstraints:
  {{- toYaml .Values.topologySpreadConstraints | nindent 2 }}
{{- else if .Values.topologySpread.enabled -}}
topologySpreadConstraints:
  {{- range .Values.topologySpread.topologyKeys }}
  - maxSkew: {{ $.Values.topologySpread.maxSkew }}
    topologyKey: {{ . }}
    whenUnsatisfiable: {{ $.Values.topologySpread.whenUnsatisfiable }}
    matchLabelKeys: ["pod-template-hash"]
    labelSelector:
      matchLabels:
        {{- include "service.selectorLabels" $ | nindent 8 }}
  {{- end }}
{{- end }}
{{- end -}}

{{/* "true" when serviceMonitor.enabled and the cluster serves monitoring.coreos.com/v1 (or serviceMonitor.forceRender, for renders without a cluster). */}}
{{- define "service.serviceMonitor.enabled" -}}
{{- $sm := .Values.serviceMonitor -}}
{{- if and $sm.enabled (or $sm.forceRender (.Capabilities.APIVersions.Has "monitoring.coreos.com/v1/ServiceMonitor")) -}}true{{- end -}}
{{- end -}}

{{/* The chart's name, its alias in charts/backend, picks the program (services/<name>/dist/main.mjs). */}}
{{- define "service.validate" -}}
{{- if not (has .Chart.Name (list "department" "user" "point")) -}}
{{- fail (printf "charts/service runs as department, user or point (its alias in charts/backend), not as %q: install charts/backend" .Chart.Name) -}}
{{- end -}}
{{- include "service.database.validate" . -}}
{{- end -}}
