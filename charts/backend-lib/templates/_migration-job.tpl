{{/*
Migration Job: a pre-install/pre-upgrade hook, so the release fails (and nothing new rolls
out) when migrations fail. Same image and environment as the service. It runs before the
chart's ServiceAccount exists, hence the default one with no token.
*/}}
{{- define "backend-lib.migrationJob" -}}
{{- include "backend-lib.database.validate" . -}}
{{- $m := .Values.migration -}}
apiVersion: batch/v1
kind: Job
metadata:
  name: {{ include "backend-lib.fullname" . }}-migrate
  labels:
    {{- include "backend-lib.migrationLabels" . | nindent 4 }}
  annotations:
    helm.sh/hook: pre-install,pre-upgrade
    helm.sh/hook-weight: "0"
    helm.sh/hook-delete-policy: before-hook-creation,hook-succeeded
spec:
  backoffLimit: {{ $m.backoffLimit }}
  activeDeadlineSeconds: {{ $m.activeDeadlineSeconds }}
  template:
    metadata:
      labels:
        {{- include "backend-lib.migrationLabels" . | nindent 8 }}
    spec:
      restartPolicy: Never
      automountServiceAccountToken: false
      enableServiceLinks: false
      securityContext:
        {{- include "backend-lib.podSecurityContext" . | nindent 8 }}
      {{- with .Values.imagePullSecrets }}
      imagePullSecrets:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      containers:
        - name: migrate
          image: {{ include "backend-lib.image" . }}
          imagePullPolicy: {{ .Values.image.pullPolicy }}
          command: ["node"]
          args:
            - common/src/database/migrate-cli.ts
            {{- with $m.extraArgs }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
          env:
            {{- include "backend-lib.env" . | nindent 12 }}
          resources:
            {{- toYaml .Values.resources | nindent 12 }}
          securityContext:
            {{- include "backend-lib.containerSecurityContext" . | nindent 12 }}
          volumeMounts:
            {{- include "backend-lib.tmpVolumeMount" . | nindent 12 }}
      volumes:
        {{- include "backend-lib.tmpVolume" . | nindent 8 }}
{{- end -}}
