{{/*
Database settings: `global.database` (set once in the umbrella chart) wins over the chart's own
`database`. The URL always reaches the pods through a Secret: an existing one, or
<release>-database created from `url` by the chart that owns it (the umbrella when
`global.database.url` is set, else the service chart itself).
*/}}
{{- define "backend-lib.database.existingSecret" -}}
{{- (.Values.global.database | default dict).existingSecret | default .Values.database.existingSecret -}}
{{- end -}}

{{- define "backend-lib.database.secretName" -}}
{{- include "backend-lib.database.existingSecret" . | default (printf "%s-database" .Release.Name) -}}
{{- end -}}

{{- define "backend-lib.database.secretKey" -}}
{{- if include "backend-lib.database.existingSecret" . -}}
{{- (.Values.global.database | default dict).existingSecretKey | default .Values.database.existingSecretKey | default "url" -}}
{{- else -}}url{{- end -}}
{{- end -}}

{{/* "true" when this chart must create <release>-database from its own `database.url`. */}}
{{- define "backend-lib.database.ownsSecret" -}}
{{- $global := .Values.global.database | default dict -}}
{{- if and .Values.database.url (not (include "backend-lib.database.existingSecret" .)) (not $global.url) -}}true{{- end -}}
{{- end -}}

{{- define "backend-lib.database.validate" -}}
{{- $global := .Values.global.database | default dict -}}
{{- if not (or (include "backend-lib.database.existingSecret" .) $global.url .Values.database.url) -}}
{{- fail (printf "%s: no database configured: set database.existingSecret (a Secret holding the URL) or database.url (global.database.* in the umbrella chart)" .Chart.Name) -}}
{{- end -}}
{{- end -}}

{{/*
The Secret created from values. A pre-install/pre-upgrade hook (weight -10) so that it exists
before the migration Job hook runs; hook resources outlive `helm uninstall`, see docs/KUBERNETES.md.
Call with a dict: ctx (the root context), url (the database URL).
*/}}
{{- define "backend-lib.databaseSecret" -}}
{{- $ctx := .ctx -}}
apiVersion: v1
kind: Secret
metadata:
  name: {{ printf "%s-database" $ctx.Release.Name }}
  labels:
    app.kubernetes.io/instance: {{ $ctx.Release.Name }}
    app.kubernetes.io/part-of: backend
    app.kubernetes.io/managed-by: {{ $ctx.Release.Service }}
  annotations:
    helm.sh/hook: pre-install,pre-upgrade
    helm.sh/hook-weight: "-10"
    helm.sh/hook-delete-policy: before-hook-creation
type: Opaque
stringData:
  url: {{ .url | quote }}
{{- end -}}
