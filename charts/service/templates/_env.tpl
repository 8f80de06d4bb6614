{{/*
The one place where Helm values (camelCase) become the services' environment variables
(UPPER_SNAKE, see the service config schemas). Keys a service does not have are skipped:
pointClient and statistics are set for user only, grpc for point only (charts/backend/values.yaml).
Tracing (global.tracing) becomes the standard OTEL_* variables, only when an endpoint is set.
*/}}
{{- define "service.env" -}}
- name: HOST
  value: {{ .Values.bindAddress | quote }}
- name: PORT
  value: {{ include "service.mainPort" . | quote }}
{{- if .Values.ports.grpc }}
- name: HTTP_PORT
  value: {{ .Values.ports.http | quote }}
{{- end }}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ include "service.database.secretName" . }}
      key: {{ include "service.database.secretKey" . }}
- name: DATABASE_POOL_MIN
  value: {{ .Values.database.poolMin | quote }}
- name: DATABASE_POOL_MAX
  value: {{ .Values.database.poolMax | quote }}
- name: DATABASE_CONNECT_TIMEOUT_MS
  value: {{ .Values.database.connectTimeoutMs | quote }}
- name: DATABASE_QUERY_TIMEOUT_MS
  value: {{ .Values.database.queryTimeoutMs | quote }}
- name: LOG_LEVEL
  value: {{ .Values.logLevel | quote }}
- name: SHUTDOWN_DRAIN_DELAY_MS
  value: {{ .Values.shutdown.drainDelayMs | quote }}
- name: SHUTDOWN_TIMEOUT_MS
  value: {{ .Values.shutdown.timeoutMs | quote }}
- name: DEBUG_ENABLED
  value: {{ .Values.debug.enabled | quote }}
- name: DEBUG_PORT
  value: {{ .Values.debug.port | quote }}
{{- with .Values.grpc }}
- name: GRPC_MAX_CONNECTION_AGE_MS
  value: {{ .maxConnectionAgeMs | quote }}
- name: GRPC_MAX_CONNECTION_AGE_GRACE_MS
  value: {{ .maxConnectionAgeGraceMs | quote }}
{{- end }}
{{- with .Values.pointClient }}
- name: POINT_SERVICE_ADDR
  value: {{ .serviceAddr | default (printf "dns:///%s-point-headless.%s.svc.%s:%v" $.Release.Name $.Release.Namespace (include "service.clusterDomain" $) .port) | quote }}
- name: POINT_POOL_SIZE
  value: {{ .poolSize | quote }}
- name: POINT_RESOLVE_INTERVAL_MS
  value: {{ .resolveIntervalMs | quote }}
- name: POINT_DEADLINE_MS
  value: {{ .deadlineMs | quote }}
{{- end }}
{{- with .Values.statistics }}
- name: STATS_MAX_AGE_MS
  value: {{ .maxAgeMs | quote }}
{{- end }}
{{- with .Values.global.tracing }}
- name: TRACE_PROBES
  value: {{ .traceProbes | default false | quote }}
{{- if .endpoint }}
- name: OTEL_EXPORTER_OTLP_ENDPOINT
  value: {{ .endpoint | quote }}
- name: OTEL_EXPORTER_OTLP_PROTOCOL
  value: {{ .protocol | default "http/protobuf" | quote }}
{{- with .headersSecret }}
{{- if .name }}
- name: OTEL_EXPORTER_OTLP_HEADERS
  valueFrom:
    secretKeyRef:
      name: {{ .name }}
      key: {{ .key | default "headers" }}
{{- end }}
{{- end }}
- name: OTEL_TRACES_SAMPLER
  value: parentbased_traceidratio
- name: OTEL_TRACES_SAMPLER_ARG
  value: {{ hasKey . "samplerRatio" | ternary .samplerRatio 1 | toString | quote }}
- name: K8S_POD_NAME
  valueFrom: { fieldRef: { fieldPath: metadata.name } }
- name: K8S_NAMESPACE_NAME
  valueFrom: { fieldRef: { fieldPath: metadata.namespace } }
- name: K8S_NODE_NAME
  valueFrom: { fieldRef: { fieldPath: spec.nodeName } }
{{- $attributes := list "k8s.pod.name=$(K8S_POD_NAME)" "k8s.namespace.name=$(K8S_NAMESPACE_NAME)" "k8s.node.name=$(K8S_NODE_NAME)" }}
{{- range $key, $value := .resourceAttributes }}
{{- $attributes = append $attributes (printf "%s=%s" $key $value) }}
{{- end }}
- name: OTEL_RESOURCE_ATTRIBUTES
  value: {{ join "," $attributes | quote }}
{{- end }}
{{- end }}
{{- with .Values.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end -}}
