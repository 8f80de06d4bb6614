{{/*
The database is the release's, set once in charts/backend as global.database: its URL reaches
the pods through a Secret, an existing one or <release>-database, which the umbrella creates
from global.database.url. The services' own `database` values are the pool's settings.
*/}}
{{- define "service.database.secretName" -}}
{{- .Values.global.database.existingSecret | default (printf "%s-database" .Release.Name) -}}
{{- end -}}

{{- define "service.database.secretKey" -}}
{{- if .Values.global.database.existingSecret -}}
{{- .Values.global.database.existingSecretKey | default "url" -}}
{{- else -}}url{{- end -}}
{{- end -}}

{{- define "service.database.validate" -}}
{{- if not (or .Values.global.database.existingSecret .Values.global.database.url) -}}
{{- fail "no database configured: set global.database.existingSecret (a Secret holding the URL) or global.database.url" -}}
{{- end -}}
{{- end -}}
