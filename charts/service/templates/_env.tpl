{{/*
The one place where Helm values (camelCase) become the services' environment variables
(UPPER_SNAKE, see the service config schemas). Keys a service does not have are skipped:
pointClient and statistics are set for user only, grpc for point only (charts/backend/values.yaml).
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
{{- with .Values.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end -}}
