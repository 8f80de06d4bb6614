{{/*
Ingress-only NetworkPolicy (egress stays open: the database is usually outside the cluster).
Allowed in: the Gateway's proxies on the REST port (REST services), the release's user pods on
the gRPC port (point), the monitoring namespace on the metrics port ("http"), this release's
`helm test` pods on every port, plus networkPolicy.extraIngress rules verbatim.
*/}}
{{- define "backend-lib.networkPolicy" -}}
{{- $np := .Values.networkPolicy -}}
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {{ include "backend-lib.fullname" . }}
  labels:
    {{- include "backend-lib.labels" . | nindent 4 }}
spec:
  podSelector:
    matchLabels:
      {{- include "backend-lib.selectorLabels" . | nindent 6 }}
  policyTypes: [Ingress]
  ingress:
    {{- with $np.gateway }}
    {{- if not (or .namespaceSelector .ipBlocks) }}
    {{- fail "networkPolicy.gateway: set namespaceSelector (the namespace of the Gateway's proxies) or ipBlocks (proxies outside the cluster); otherwise nothing from outside reaches the REST port" }}
    {{- end }}
    - from:
        {{- with .namespaceSelector }}
        - namespaceSelector:
            {{- toYaml . | nindent 12 }}
          {{- with $np.gateway.podSelector }}
          podSelector:
            {{- toYaml . | nindent 12 }}
          {{- end }}
        {{- end }}
        {{- range .ipBlocks }}
        - ipBlock:
            {{- toYaml . | nindent 12 }}
        {{- end }}
      ports:
        - port: http
          protocol: TCP
    {{- end }}
    {{- with $np.grpcClients }}
    - from:
        - podSelector:
            matchLabels:
              {{- toYaml .podSelector.matchLabels | nindent 14 }}
              app.kubernetes.io/instance: {{ $.Release.Name }}
      ports:
        - port: grpc
          protocol: TCP
    {{- end }}
    {{- with $np.monitoring }}
    - from:
        - namespaceSelector:
            {{- toYaml .namespaceSelector | nindent 12 }}
          {{- with .podSelector }}
          podSelector:
            {{- toYaml . | nindent 12 }}
          {{- end }}
      ports:
        - port: http
          protocol: TCP
    {{- end }}
    - from:
        - podSelector:
            matchLabels:
              {{- include "backend-lib.testPodLabels" . | nindent 14 }}
    {{- with $np.extraIngress }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
{{- end -}}
