{{/* The chart's name, or nameOverride. */}}
{{- define "cmf.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* "<release>-cmf", or fullnameOverride: the prefix of every resource name. */}}
{{- define "cmf.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* A component's resource name. Call with (dict "root" $ "component" "gateway"). */}}
{{- define "cmf.componentName" -}}
{{- printf "%s-%s" (include "cmf.fullname" .root) .component | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Labels that select one component's pods. Call with (dict "root" $ "component" "gateway"). */}}
{{- define "cmf.selectorLabels" -}}
app.kubernetes.io/name: {{ include "cmf.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/* Labels of every object of one component. */}}
{{- define "cmf.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "cmf.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/part-of: cmf
{{- end -}}

{{- define "cmf.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{/* Settings `config` may not set: the chart sets them from its own values, or (GATEWAY_ID) each pod must differ. */}}
{{- define "cmf.reservedConfigKeys" -}}
KAFKA_BROKERS KAFKA_BROKER KAFKA_TOPIC KAFKA_TOPIC_IN KAFKA_TOPIC_OUT KAFKA_TOPIC_PRESENCE KAFKA_TOPIC_DEAD_LETTER KAFKA_IN_PARTITIONS KAFKA_OUT_PARTITIONS KAFKA_REPLICATION_FACTOR KAFKA_CLIENT_ID KAFKA_SSL KAFKA_SASL_MECHANISM KAFKA_SASL_USERNAME KAFKA_SASL_PASSWORD WORKER_GROUP_ID GATEWAY_ID PORT ADMIN_PORT ADMIN_TOKEN RESUME_SECRET ADMIN_ALLOW_REMOTE ADMIN_CORS_ORIGINS SIMULATOR_GATEWAY_URL SIMULATOR_ADMIN_URL KUBERNETES_SERVICE_HOST K8S_NAMESPACE K8S_GATEWAY_SELECTOR K8S_WORKER_DEPLOYMENT K8S_SCALED_OBJECT JWT_SECRET
{{- end -}}

{{/*
The environment every Kafka-using component shares (the ConfigMap's data), as YAML. The KEDA
ScaledObject reads its bootstrap servers, topic and consumer group from here too.
*/}}
{{- define "cmf.config" -}}
{{- $managed := splitList " " (include "cmf.reservedConfigKeys" .) -}}
{{- range $key, $_ := .Values.config }}
{{- if has $key $managed }}
{{- fail (printf "config.%s is not settable through config: the chart sets it from its own values (see values.yaml)" $key) }}
{{- end }}
{{- end -}}
KAFKA_BROKERS: {{ .Values.kafka.brokers | quote }}
KAFKA_TOPIC_IN: {{ .Values.kafka.topics.in | quote }}
KAFKA_TOPIC_OUT: {{ .Values.kafka.topics.out | quote }}
KAFKA_TOPIC_PRESENCE: {{ .Values.kafka.topics.presence | quote }}
KAFKA_TOPIC_DEAD_LETTER: {{ .Values.kafka.topics.deadLetter | quote }}
KAFKA_IN_PARTITIONS: {{ .Values.kafka.inPartitions | toString | quote }}
KAFKA_OUT_PARTITIONS: {{ .Values.kafka.outPartitions | toString | quote }}
KAFKA_REPLICATION_FACTOR: {{ .Values.kafka.replicationFactor | toString | quote }}
KAFKA_CLIENT_ID: {{ .Values.kafka.clientId | quote }}
KAFKA_SSL: {{ .Values.kafka.tls | toString | quote }}
{{- with .Values.kafka.sasl.mechanism }}
KAFKA_SASL_MECHANISM: {{ . | quote }}
{{- end }}
WORKER_GROUP_ID: {{ .Values.worker.groupId | quote }}
{{- /* When the admin API has a token or a JWT protects the sockets, client kicks are off unless config says otherwise, on the workers too, which never see either secret. */}}
{{- if and (not (hasKey .Values.config "ALLOW_CLIENT_KICK")) (or (and .Values.adminApi.enabled .Values.adminApi.token.enabled) .Values.gateway.jwtSecret.existingSecret .Values.config.JWT_JWKS_URL) }}
ALLOW_CLIENT_KICK: "false"
{{- end }}
{{- /* The simulator's own page may open sockets, from the origin of its Ingress. */}}
{{- if and (not (hasKey .Values.config "ALLOWED_ORIGINS")) .Values.clientSimulator.enabled .Values.clientSimulator.ingress.enabled }}
ALLOWED_ORIGINS: {{ include "cmf.simulatorOrigin" . | quote }}
{{- end }}
{{- range $key, $value := .Values.config }}
{{ $key }}: {{ $value | toString | quote }}
{{- end }}
{{- end -}}

{{/* The Secret holding the Kafka SASL username and password, when SASL is on. */}}
{{- define "cmf.kafkaSecretName" -}}
{{- default (include "cmf.componentName" (dict "root" . "component" "kafka")) .Values.kafka.sasl.existingSecret -}}
{{- end -}}

{{/* Environment of a Kafka-using container: the shared ConfigMap, plus the SASL credentials. */}}
{{- define "cmf.kafkaEnv" -}}
envFrom:
  - configMapRef:
      name: {{ include "cmf.fullname" . }}
{{- end -}}

{{- define "cmf.saslEnv" -}}
{{- if .Values.kafka.sasl.mechanism }}
- name: KAFKA_SASL_USERNAME
  valueFrom:
    secretKeyRef:
      name: {{ include "cmf.kafkaSecretName" . }}
      key: username
- name: KAFKA_SASL_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ include "cmf.kafkaSecretName" . }}
      key: password
{{- end }}
{{- end -}}

{{/* Pod annotations: config checksum (pods roll when settings change) and Prometheus scraping. */}}
{{- define "cmf.podAnnotations" -}}
checksum/config: {{ include "cmf.config" .root | sha256sum }}
{{- if and .metrics .root.Values.metrics.podAnnotations }}
prometheus.io/scrape: "true"
prometheus.io/port: {{ .port | toString | quote }}
prometheus.io/path: /metrics
{{- end }}
{{- with .extra }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* /health for liveness (the process answers), /ready for readiness (Kafka reachable, consumer joined). */}}
{{- define "cmf.probes" -}}
livenessProbe:
  httpGet:
    path: /health
    port: http
  initialDelaySeconds: 10
  periodSeconds: 10
  timeoutSeconds: 5
  failureThreshold: 3
readinessProbe:
  httpGet:
    path: /ready
    port: http
  periodSeconds: 5
  timeoutSeconds: 5
  failureThreshold: 2
{{- end -}}

{{/* Node's only writable path: an emptyDir /tmp, as the root filesystem is read-only. */}}
{{- define "cmf.tmpVolumeMount" -}}
- name: tmp
  mountPath: /tmp
{{- end -}}

{{- define "cmf.tmpVolume" -}}
- name: tmp
  emptyDir: {}
{{- end -}}

{{/* Scheduling fields of a component's pod spec; call with the component's values. */}}
{{- define "cmf.scheduling" -}}
{{- with .nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{/* The URL browsers reach the gateway at: clientSimulator.gatewayUrl, else from the gateway's Ingress. */}}
{{- define "cmf.publicGatewayUrl" -}}
{{- if .Values.clientSimulator.gatewayUrl -}}
{{- .Values.clientSimulator.gatewayUrl -}}
{{- else if .Values.gateway.ingress.enabled -}}
{{- printf "%s://%s%s" (ternary "wss" "ws" (not (empty .Values.gateway.ingress.tlsSecretName))) .Values.gateway.ingress.host (trimSuffix "/" .Values.gateway.ingress.path) -}}
{{- end -}}
{{- end -}}

{{/* The origin of the simulator's page at its Ingress: what browsers send in Origin. */}}
{{- define "cmf.simulatorOrigin" -}}
{{- printf "%s://%s" (ternary "https" "http" (not (empty .Values.clientSimulator.ingress.tlsSecretName))) .Values.clientSimulator.ingress.host -}}
{{- end -}}

{{/* A label map as a label selector string: "a=1,b=2". */}}
{{- define "cmf.selectorString" -}}
{{- $pairs := list -}}
{{- range $key, $value := . -}}
{{- $pairs = append $pairs (printf "%s=%s" $key $value) -}}
{{- end -}}
{{- join "," $pairs -}}
{{- end -}}
