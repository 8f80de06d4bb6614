{{/* Labels of the umbrella's own resources (the Ingress, the routes). */}}
{{- define "backend.labels" -}}
app.kubernetes.io/name: backend
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/part-of: backend
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/*
A Gateway API route's metadata and parentRefs, rendered when the route is enabled and the cluster
serves its kind (or forceRender). Takes (dict "root" $ "route" <values> "kind" "HTTPRoute" "key" "httpRoute").
*/}}
{{- define "backend.route.enabled" -}}
{{- if and .route.enabled (or .route.forceRender (.root.Capabilities.APIVersions.Has (printf "gateway.networking.k8s.io/v1/%s" .kind))) -}}true{{- end -}}
{{- end -}}

{{- define "backend.route.head" -}}
apiVersion: gateway.networking.k8s.io/v1
kind: {{ .kind }}
metadata:
  name: {{ .root.Release.Name }}-{{ .suffix }}
  labels:
    {{- include "backend.labels" .root | nindent 4 }}
  {{- with .route.annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
spec:
  parentRefs:
    {{- if not .route.parentRefs }}
    {{- fail (printf "%s.parentRefs is empty: name the Gateway the route attaches to (%s.parentRefs[0].name)" .key .key) }}
    {{- end }}
    {{- range .route.parentRefs }}
    - name: {{ required "every parentRefs entry needs a name (the Gateway's)" .name }}
      {{- with .namespace }}
      namespace: {{ . }}
      {{- end }}
      {{- with .sectionName }}
      sectionName: {{ . }}
      {{- end }}
    {{- end }}
  {{- with .route.hostnames }}
  hostnames:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end -}}
