{{/*
Probes. Startup and liveness: GET /livez on the HTTP port (never checks the database, so a
database outage never restarts pods). Readiness: GET /readyz for the REST services; for point
the native gRPC probe against grpc.health.v1.Health (its status follows the database).
The kubelet's gRPC probe takes a port number, not a port name.
*/}}
{{- define "service.probes" -}}
{{- $p := .Values.probes -}}
startupProbe:
  httpGet:
    path: /livez
    port: http
  periodSeconds: {{ $p.startup.periodSeconds }}
  timeoutSeconds: {{ $p.startup.timeoutSeconds }}
  failureThreshold: {{ $p.startup.failureThreshold }}
livenessProbe:
  httpGet:
    path: /livez
    port: http
  periodSeconds: {{ $p.liveness.periodSeconds }}
  timeoutSeconds: {{ $p.liveness.timeoutSeconds }}
  failureThreshold: {{ $p.liveness.failureThreshold }}
readinessProbe:
  {{- if .Values.ports.grpc }}
  grpc:
    port: {{ .Values.ports.grpc }}
    service: {{ $p.readiness.grpcService | quote }}
  {{- else }}
  httpGet:
    path: /readyz
    port: http
  {{- end }}
  periodSeconds: {{ $p.readiness.periodSeconds }}
  timeoutSeconds: {{ $p.readiness.timeoutSeconds }}
  failureThreshold: {{ $p.readiness.failureThreshold }}
{{- end -}}
