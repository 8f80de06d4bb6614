{{- define "backend-lib.deployment" -}}
{{- include "backend-lib.database.validate" . -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "backend-lib.fullname" . }}
  labels:
    {{- include "backend-lib.labels" . | nindent 4 }}
spec:
  {{- if not .Values.autoscaling.enabled }}
  replicas: {{ .Values.replicaCount }}
  {{- end }}
  revisionHistoryLimit: 3
  selector:
    matchLabels:
      {{- include "backend-lib.selectorLabels" . | nindent 6 }}
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxUnavailable: 0
      maxSurge: 1
  template:
    metadata:
      labels:
        {{- include "backend-lib.labels" . | nindent 8 }}
        {{- with .Values.podLabels }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      {{- with .Values.podAnnotations }}
      annotations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
    spec:
      serviceAccountName: {{ include "backend-lib.fullname" . }}
      automountServiceAccountToken: false
      enableServiceLinks: false
      terminationGracePeriodSeconds: {{ include "backend-lib.terminationGracePeriodSeconds" . }}
      securityContext:
        {{- include "backend-lib.podSecurityContext" . | nindent 8 }}
      {{- with .Values.imagePullSecrets }}
      imagePullSecrets:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      containers:
        - name: {{ .Chart.Name }}
          image: {{ include "backend-lib.image" . }}
          imagePullPolicy: {{ .Values.image.pullPolicy }}
          command: ["node"]
          args: [{{ printf "services/%s/dist/main.mjs" .Chart.Name | quote }}]
          ports:
            {{- range $name, $port := .Values.ports }}
            - name: {{ $name }}
              containerPort: {{ $port }}
              protocol: TCP
            {{- end }}
          env:
            {{- include "backend-lib.env" . | nindent 12 }}
          {{- include "backend-lib.probes" . | nindent 10 }}
          resources:
            {{- toYaml .Values.resources | nindent 12 }}
          securityContext:
            {{- include "backend-lib.containerSecurityContext" . | nindent 12 }}
          volumeMounts:
            {{- include "backend-lib.tmpVolumeMount" . | nindent 12 }}
      volumes:
        {{- include "backend-lib.tmpVolume" . | nindent 8 }}
      {{- include "backend-lib.topologySpreadConstraints" . | nindent 6 }}
      {{- with .Values.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with .Values.affinity }}
      affinity:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with .Values.tolerations }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with .Values.priorityClassName }}
      priorityClassName: {{ . }}
      {{- end }}
{{- end -}}

{{/* Spread replicas over zones and nodes; soft by default so a single-node kind cluster still schedules. */}}
{{- define "backend-lib.topologySpreadConstraints" -}}
{{- if .Values.topologySpreadConstraints -}}
topologySpreadConstraints:
  {{- toYaml .Values.topologySpreadConstraints | nindent 2 }}
{{- else if .Values.topologySpread.enabled -}}
topologySpreadConstraints:
  {{- range .Values.topologySpread.topologyKeys }}
  - maxSkew: {{ $.Values.topologySpread.maxSkew }}
    topologyKey: {{ . }}
    whenUnsatisfiable: {{ $.Values.topologySpread.whenUnsatisfiable }}
    matchLabelKeys: ["pod-template-hash"]
    labelSelector:
      matchLabels:
        {{- include "backend-lib.selectorLabels" $ | nindent 8 }}
  {{- end }}
{{- end }}
{{- end -}}
