{{/*
The deployment topology of ARCHITECTURE.md, in one place. What each service
is (an API behind a Service and an Ingress, or a worker), whether the
pipelineEnabled switch scales it, and which Secrets it reads are facts of the
design, not settings: they live here, not in values.yaml. Replicas,
resources and the rest are in values.yaml.
*/}}
{{- define "stonks.topology" -}}
services:
  query-api:       {api: true,  pipeline: false, secrets: [core]}
  symbol-registry: {api: true,  pipeline: false, secrets: [core]}
  trading-engine:  {api: true,  pipeline: false, secrets: [core, broker, gmail]}
  risk-engine:     {api: true,  pipeline: false, secrets: [core, broker]}
  broker-adapter:  {api: false, pipeline: true,  secrets: [core, broker]}
  scheduler:       {api: false, pipeline: true,  secrets: [core], init: [migrate, seed]}
  ingestion:       {api: false, pipeline: true,  secrets: [core, broker, market]}
  parser:          {api: false, pipeline: true,  secrets: [core]}
  extractor:       {api: false, pipeline: true,  secrets: [core]}
  aggregation:     {api: false, pipeline: true,  secrets: [core]}
  recommendation:  {api: false, pipeline: true,  secrets: [core]}
  lake-publisher:  {api: false, pipeline: true,  secrets: [core]}
secrets:
  core:
    name: stonks-core-secrets
    keys: [POSTGRES_PASSWORD, MINIO_ACCESS_KEY, MINIO_SECRET_KEY, REDIS_PASSWORD, API_TOKENS]
  broker:
    name: stonks-broker-secrets
    keys: [BROKER_API_KEY, BROKER_API_SECRET, BROKER_BASE_URL]
  market:
    name: stonks-market-secrets
    keys: [MARKET_DATA_API_KEY]
  gmail:
    name: stonks-gmail-secrets
    keys: [GMAIL_SENDER, GMAIL_RECIPIENT, GMAIL_APP_PASSWORD]
  dashboard:
    name: stonks-dashboard-secrets
    keys: [SUPERSET_SECRET_KEY, SUPERSET_ADMIN_PASSWORD]
{{- end }}

{{- define "stonks.namespace" -}}
{{- .Values.namespace | default .Release.Namespace -}}
{{- end }}

{{- define "stonks.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end }}

{{/* Labels of every object. */}}
{{- define "stonks.labels" -}}
helm.sh/chart: {{ include "stonks.chart" . }}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/part-of: stonks-oracle
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/*
Selector labels of one component: (list $ "query-api"). Network policies
select pods by these too.
*/}}
{{- define "stonks.selectorLabels" -}}
{{- $root := index . 0 -}}
app.kubernetes.io/name: {{ $root.Chart.Name }}
app.kubernetes.io/instance: {{ $root.Release.Name }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end }}

{{- define "stonks.componentLabels" -}}
{{ include "stonks.labels" (index . 0) }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end }}

{{/* Name of one of the five Secrets: (list $ "core"); existingSecret wins. */}}
{{- define "stonks.secretName" -}}
{{- $root := index . 0 -}}
{{- $key := index . 1 -}}
{{- $topo := include "stonks.topology" $root | fromYaml -}}
{{- $vals := index $root.Values.secrets $key | default dict -}}
{{- $vals.existingSecret | default (index $topo.secrets $key).name -}}
{{- end }}

{{- define "stonks.image" -}}
{{- $img := index . 0 -}}
{{- $root := index . 1 -}}
{{- printf "%s:%s" $img.repository (toString ($img.tag | default $root.Chart.AppVersion)) -}}
{{- end }}

{{/* The HTTP port every stonks service listens on (HTTP_PORT). */}}
{{- define "stonks.httpPort" -}}
{{- .Values.config.HTTP_PORT | default 8000 | int -}}
{{- end }}

{{/*
Seconds a pod may take to stop: longer than a job's visibility timeout, so
a worker that finishes the job in hand on SIGTERM is never killed while the
job could still be redelivered to another worker.
*/}}
{{- define "stonks.terminationGrace" -}}
{{- $ms := .Values.config.QUEUE_VISIBILITY_TIMEOUT_MS | default 30000 | int -}}
{{- add (div (add $ms 999) 1000) .Values.terminationGraceMarginSeconds -}}
{{- end }}

{{- define "stonks.podSecurityContext" -}}
{{- toYaml .Values.securityContext.pod -}}
{{- end }}

{{- define "stonks.containerSecurityContext" -}}
{{- toYaml .Values.securityContext.container -}}
{{- end }}

{{/*
Pod annotations that restart pods when the settings or the Secrets they
read change.
*/}}
{{- define "stonks.checksums" -}}
checksum/config: {{ include (print .Template.BasePath "/configmap.yaml") . | sha256sum }}
checksum/secrets: {{ include (print .Template.BasePath "/secrets.yaml") . | sha256sum }}
{{- end }}

{{- define "stonks.scheduling" -}}
{{- with .Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{- define "stonks.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- .Values.serviceAccount.name -}}
{{- else -}}
{{- .Values.serviceAccount.name | default "default" -}}
{{- end -}}
{{- end }}

{{/*
envFrom of a stonks container: the ConfigMap, then the Secrets its service
reads: (list $ (list "core" "broker")).
*/}}
{{- define "stonks.envFrom" -}}
{{- $root := index . 0 -}}
- configMapRef:
    name: stonks-config
{{- range $id := index . 1 }}
- secretRef:
    name: {{ include "stonks.secretName" (list $root $id) }}
{{- end }}
{{- end }}

{{/* env and envFrom of the superset containers. */}}
{{- define "stonks.supersetEnv" -}}
{{- $ss := .Values.superset -}}
env:
  - name: SUPERSET_CONFIG_PATH
    value: /etc/superset/superset_config.py
  - name: PYTHONPATH
    value: /app/pythonpath:/opt/superset-deps
  - name: SUPERSET_PORT
    value: {{ $ss.port | quote }}
  - name: SUPERSET_DATABASE
    value: {{ $ss.database | quote }}
  - name: SUPERSET_REDIS_DB
    value: {{ $ss.redisDb | quote }}
  - name: SUPERSET_ADMIN_USER
    value: {{ $ss.adminUser | quote }}
  - name: SUPERSET_ADMIN_EMAIL
    value: {{ $ss.adminEmail | quote }}
  - name: SUPERSET_TRINO_DATABASE_NAME
    value: {{ $ss.trinoDatabaseName | quote }}
  - name: SUPERSET_TRINO_URI
    value: {{ tpl $ss.trinoUri . | quote }}
envFrom:
  - configMapRef:
      name: stonks-config
  - secretRef:
      name: {{ include "stonks.secretName" (list . "core") }}
  - secretRef:
      name: {{ include "stonks.secretName" (list . "dashboard") }}
{{- end }}
