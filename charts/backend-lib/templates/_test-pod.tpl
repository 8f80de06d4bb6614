{{/*
`helm test` pod: runs in the service's own image (node is there; no extra image to pull) and
calls the service through its Service: a REST GET that must answer 2xx (tests.httpPath), or a
grpc.health.v1.Health/Check that must answer SERVING (tests.grpcService; the request and reply
are encoded by hand: field 1, a string / an enum, SERVING = 1).
*/}}
{{- define "backend-lib.testPod" -}}
{{- $host := printf "%s.%s.svc.%s" (include "backend-lib.serviceName" .) .Release.Namespace (include "backend-lib.clusterDomain" .) -}}
apiVersion: v1
kind: Pod
metadata:
  name: {{ include "backend-lib.fullname" . }}-test
  labels:
    {{- include "backend-lib.testPodLabels" . | nindent 4 }}
    app.kubernetes.io/name: {{ .Chart.Name }}-test
  annotations:
    helm.sh/hook: test
    helm.sh/hook-delete-policy: before-hook-creation,hook-succeeded
spec:
  restartPolicy: Never
  automountServiceAccountToken: false
  enableServiceLinks: false
  securityContext:
    {{- include "backend-lib.podSecurityContext" . | nindent 4 }}
  containers:
    - name: smoke
      image: {{ include "backend-lib.image" . }}
      imagePullPolicy: {{ .Values.image.pullPolicy }}
      command: ["node", "-e"]
      {{- if .Values.tests.grpcService }}
      args:
        - |
          const grpc = require('@grpc/grpc-js');
          const target = {{ printf "%s:%v" $host .Values.ports.grpc | quote }};
          const service = Buffer.from({{ .Values.tests.grpcService | quote }});
          const client = new grpc.Client(target, grpc.credentials.createInsecure());
          const request = Buffer.concat([Buffer.from([0x0a, service.length]), service]);
          const deadline = Date.now() + 10000;
          client.makeUnaryRequest('/grpc.health.v1.Health/Check', (b) => b, (b) => b, request, { deadline }, (err, reply) => {
            if (err) { console.error('health check failed:', err.message); process.exit(1); }
            const serving = reply.length === 2 && reply[0] === 0x08 && reply[1] === 1;
            console.error(serving ? 'SERVING' : 'not SERVING: ' + reply.toString('hex'));
            process.exit(serving ? 0 : 1);
          });
      {{- else }}
      args:
        - |
          const url = {{ printf "http://%s:%v%s" $host .Values.ports.http .Values.tests.httpPath | quote }};
          fetch(url, { signal: AbortSignal.timeout(10000) }).then(async (res) => {
            const body = await res.text();
            console.error(res.status, body.slice(0, 300));
            process.exit(res.ok && JSON.parse(body).result === 'success' ? 0 : 1);
          }, (err) => { console.error(url, err.message); process.exit(1); });
      {{- end }}
      resources:
        requests: { cpu: 10m, memory: 64Mi }
        limits: { cpu: 200m, memory: 128Mi }
      securityContext:
        {{- include "backend-lib.containerSecurityContext" . | nindent 8 }}
{{- end -}}
