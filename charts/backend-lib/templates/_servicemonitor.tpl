{{/*
ServiceMonitor, when serviceMonitor.enabled and the cluster serves monitoring.coreos.com/v1
(or serviceMonitor.forceRender, for `helm template` and GitOps renders without a cluster).
Every service exposes /metrics on its port named "http".
*/}}
{{- define "backend-lib.serviceMonitor.enabled" -}}
{{- $sm := .Values.serviceMonitor -}}
{{- if and $sm.enabled (or $sm.forceRender (.Capabilities.APIVersions.Has "monitoring.coreos.com/v1/ServiceMonitor")) -}}true{{- end -}}
{{- end -}}

{{- define "backend-lib.serviceMonitor" -}}
{{- $sm := .Values.serviceMonitor -}}
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata:
  name: {{ include "backend-lib.fullname" . }}
  {{- with $sm.namespace }}
  namespace: {{ . }}
  {{- end }}
  labels:
    {{- include "backend-lib.labels" . | nindent 4 }}
    {{- with $sm.labels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
spec:
  {{- if $sm.namespace }}
  namespaceSelector:
    matchNames: [{{ .Release.Namespace | quote }}]
  {{- end }}
  selector:
    matchLabels:
      {{- include "backend-lib.selectorLabels" . | nindent 6 }}
  endpoints:
    - port: http
      path: /metrics
      scheme: http
      interval: {{ $sm.interval }}
      scrapeTimeout: {{ $sm.scrapeTimeout }}
      {{- with $sm.relabelings }}
      relabelings:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $sm.metricRelabelings }}
      metricRelabelings:
        {{- toYaml . | nindent 8 }}
      {{- end }}
{{- end -}}
