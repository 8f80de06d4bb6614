{{- define "backend-lib.notes" -}}
{{ .Chart.Name }} is installed as {{ include "backend-lib.fullname" . }} in namespace {{ .Release.Namespace }}.
{{- if .Values.ports.grpc }}

gRPC (point.PointServer) is reached through the headless Service; clients use
  dns:///{{ include "backend-lib.serviceName" . }}.{{ .Release.Namespace }}.svc.{{ include "backend-lib.clusterDomain" . }}:{{ .Values.ports.grpc }}

Check its health from your machine:
  kubectl -n {{ .Release.Namespace }} port-forward deploy/{{ include "backend-lib.fullname" . }} {{ .Values.ports.grpc }} {{ .Values.ports.http }}
  curl -s http://localhost:{{ .Values.ports.http }}/readyz
{{- else }}

Call the API from your machine:
  kubectl -n {{ .Release.Namespace }} port-forward svc/{{ include "backend-lib.serviceName" . }} {{ .Values.ports.http }}
  curl -s http://localhost:{{ .Values.ports.http }}{{ .Values.tests.httpPath }}
{{- end }}

Smoke-test the release:  helm test {{ .Release.Name }} -n {{ .Release.Namespace }}
{{- if and .Values.serviceMonitor.enabled (not (include "backend-lib.serviceMonitor.enabled" .)) }}

WARNING: serviceMonitor.enabled is true but the cluster does not serve monitoring.coreos.com/v1,
so no ServiceMonitor was created. Install the Prometheus Operator CRDs, or set serviceMonitor.forceRender.
{{- end }}
{{- end -}}
