{{/* Hardened defaults; the chart's podSecurityContext/securityContext values are merged over them. */}}
{{- define "service.podSecurityContext" -}}
{{- $defaults := dict "runAsNonRoot" true "runAsUser" 1000 "runAsGroup" 1000 "fsGroup" 1000 "seccompProfile" (dict "type" "RuntimeDefault") -}}
{{- toYaml (mergeOverwrite $defaults (deepCopy (.Values.podSecurityContext | default dict))) -}}
{{- end -}}

{{- define "service.containerSecurityContext" -}}
{{- $defaults := dict "runAsNonRoot" true "allowPrivilegeEscalation" false "readOnlyRootFilesystem" true "privileged" false "capabilities" (dict "drop" (list "ALL")) "seccompProfile" (dict "type" "RuntimeDefault") -}}
{{- toYaml (mergeOverwrite $defaults (deepCopy (.Values.securityContext | default dict))) -}}
{{- end -}}

{{/* The only writable path: /tmp (heap snapshots, profiles). */}}
{{- define "service.tmpVolume" -}}
- name: tmp
  emptyDir:
    sizeLimit: {{ .Values.tmpSizeLimit }}
{{- end -}}

{{- define "service.tmpVolumeMount" -}}
- name: tmp
  mountPath: /tmp
{{- end -}}
