{{/*
The service's Service. Its ports mirror the container ports by name. With service.headless
(point) it is headless: clients resolve every ready pod (dns:///…) and balance gRPC calls
themselves, so not-ready pods must stay out of DNS (publishNotReadyAddresses: false).
*/}}
{{- define "backend-lib.serviceName" -}}
{{- if .Values.service.headless -}}
{{ include "backend-lib.fullname" . }}-headless
{{- else -}}
{{ include "backend-lib.fullname" . }}
{{- end -}}
{{- end -}}

{{- define "backend-lib.service" -}}
apiVersion: v1
kind: Service
metadata:
  name: {{ include "backend-lib.serviceName" . }}
  labels:
    {{- include "backend-lib.labels" . | nindent 4 }}
  {{- with .Values.service.annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
spec:
  {{- if .Values.service.headless }}
  type: ClusterIP
  clusterIP: None
  publishNotReadyAddresses: false
  {{- else }}
  type: {{ .Values.service.type }}
  {{- end }}
  selector:
    {{- include "backend-lib.selectorLabels" . | nindent 4 }}
  ports:
    {{- range $name, $port := .Values.ports }}
    - name: {{ $name }}
      port: {{ $port }}
      targetPort: {{ $name }}
      protocol: TCP
      appProtocol: {{ $name }}
    {{- end }}
{{- end -}}

{{- define "backend-lib.serviceAccount" -}}
apiVersion: v1
kind: ServiceAccount
metadata:
  name: {{ include "backend-lib.fullname" . }}
  labels:
    {{- include "backend-lib.labels" . | nindent 4 }}
automountServiceAccountToken: false
{{- end -}}
