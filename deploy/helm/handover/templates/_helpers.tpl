{{/* Names and labels. */}}
{{- define "handover.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "handover.fullname" -}}
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

{{/* The in-chart Redis' name (Deployment, Service, Secret). */}}
{{- define "handover.redisName" -}}
{{- printf "%s-redis" (include "handover.fullname" . | trunc 57 | trimSuffix "-") -}}
{{- end -}}

{{- define "handover.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "handover.labels" -}}
helm.sh/chart: {{ include "handover.chart" . }}
app.kubernetes.io/name: {{ include "handover.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | trunc 63 | trimSuffix "-" | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: handover
{{- end -}}

{{- define "handover.serverLabels" -}}
{{ include "handover.labels" . }}
app.kubernetes.io/component: server
{{- end -}}

{{- define "handover.redisLabels" -}}
{{ include "handover.labels" . }}
app.kubernetes.io/component: redis
{{- end -}}

{{/* handover's own pods; the component keeps the in-chart Redis' pods out of every selector. */}}
{{- define "handover.selectorLabels" -}}
app.kubernetes.io/name: {{ include "handover.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: server
{{- end -}}

{{- define "handover.redisSelectorLabels" -}}
app.kubernetes.io/name: {{ include "handover.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: redis
{{- end -}}

{{- define "handover.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "handover.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "handover.image" -}}
{{- $tag := .Values.image.tag | default .Chart.AppVersion -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository $tag -}}
{{- end -}}
{{- end -}}

{{/* A value as an environment variable's text: integral numbers without an exponent. */}}
{{- define "handover.envValue" -}}
{{- if and (kindIs "float64" .) (eq . (float64 (int64 .))) -}}
{{- int64 . -}}
{{- else -}}
{{- toString . -}}
{{- end -}}
{{- end -}}

{{/* The helpdesks handover serves (adapters/all). */}}
{{- define "handover.helpdesks" -}}
{{- list "chatwoot" "intercom" "libredesk" "liveagent" "zendesk" | toJson -}}
{{- end -}}

{{/*
Secret variables: the general ones and those of each helpdesk (the settings whose type is
Secret in config/config.go and each adapter's settings.go; charttest checks they agree).
*/}}
{{- define "handover.secretVars" -}}
{{- dict
  "general" (list "HANDOVER_LLM_API_KEY" "HANDOVER_AGENT_UI_SECRET" "HANDOVER_REDIS_URL")
  "chatwoot" (list "HANDOVER_CHATWOOT_BOT_TOKEN" "HANDOVER_CHATWOOT_USER_TOKEN" "HANDOVER_CHATWOOT_WEBHOOK_SECRET")
  "intercom" (list "HANDOVER_INTERCOM_ACCESS_TOKEN" "HANDOVER_INTERCOM_CLIENT_SECRET")
  "libredesk" (list "HANDOVER_LIBREDESK_API_KEY" "HANDOVER_LIBREDESK_API_SECRET" "HANDOVER_LIBREDESK_WEBHOOK_SECRET")
  "liveagent" (list "HANDOVER_LIVEAGENT_API_KEY" "HANDOVER_LIVEAGENT_API_V1_KEY" "HANDOVER_LIVEAGENT_WEBHOOK_SECRET")
  "zendesk" (list "HANDOVER_ZENDESK_KEY_SECRET" "HANDOVER_ZENDESK_WEBHOOK_SECRET" "HANDOVER_ZENDESK_API_TOKEN")
  | toJson -}}
{{- end -}}

{{/*
The plain settings as a map of variable name to text: HANDOVER_HELPDESK, HANDOVER_LISTEN_ADDR,
HANDOVER_PUBLIC_URL, config.* and the chosen helpdesk's block, the knowledge base and prompt
paths. Empty values are left out.
*/}}
{{- define "handover.configEnv" -}}
{{- $env := dict "HANDOVER_HELPDESK" .Values.helpdesk "HANDOVER_LISTEN_ADDR" ":8080" -}}
{{- $public := include "handover.publicURL" . -}}
{{- if $public -}}
{{- $_ := set $env "HANDOVER_PUBLIC_URL" $public -}}
{{- end -}}
{{- range $key, $value := .Values.config -}}
{{- $text := include "handover.envValue" $value -}}
{{- if and (not (kindIs "invalid" $value)) (ne $text "") -}}
{{- $_ := set $env (printf "HANDOVER_%s" (snakecase $key | upper)) $text -}}
{{- end -}}
{{- end -}}
{{- range $key, $value := (index .Values .Values.helpdesk | default dict) -}}
{{- $text := include "handover.envValue" $value -}}
{{- if and (not (kindIs "invalid" $value)) (ne $text "") -}}
{{- $_ := set $env (printf "HANDOVER_%s_%s" (upper $.Values.helpdesk) (snakecase $key | upper)) $text -}}
{{- end -}}
{{- end -}}
{{- if or .Values.knowledge.files .Values.knowledge.existingConfigMap -}}
{{- $_ := set $env "HANDOVER_KNOWLEDGE_DIR" "/etc/handover/knowledge" -}}
{{- end -}}
{{- if .Values.systemPrompt -}}
{{- $_ := set $env "HANDOVER_SYSTEM_PROMPT_FILE" "/etc/handover/prompt/system-prompt.tmpl" -}}
{{- end -}}
{{- toJson $env -}}
{{- end -}}

{{/* HANDOVER_PUBLIC_URL: publicURL, else the first ingress host. */}}
{{- define "handover.publicURL" -}}
{{- if .Values.publicURL -}}
{{- .Values.publicURL | trimSuffix "/" -}}
{{- else if and .Values.ingress.enabled .Values.ingress.hosts -}}
{{- $host := dig "host" "" (first .Values.ingress.hosts) -}}
{{- if $host -}}
{{- $tls := false -}}
{{- range .Values.ingress.tls -}}
{{- if has $host (dig "hosts" list .) -}}
{{- $tls = true -}}
{{- end -}}
{{- end -}}
{{- printf "%s://%s" (ternary "https" "http" $tls) $host -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* "true" when handover gets a HANDOVER_REDIS_URL. */}}
{{- define "handover.redisConfigured" -}}
{{- if or .Values.redis.enabled .Values.redis.url .Values.redis.existingSecret -}}true{{- end -}}
{{- end -}}

{{/* The most replicas handover can run with. */}}
{{- define "handover.maxReplicas" -}}
{{- if .Values.autoscaling.enabled -}}
{{- int .Values.autoscaling.maxReplicas -}}
{{- else -}}
{{- int .Values.replicaCount -}}
{{- end -}}
{{- end -}}

{{/* Refuse what cannot work; included by deployment.yaml. */}}
{{- define "handover.validate" -}}
{{- if not (has .Values.helpdesk (include "handover.helpdesks" . | fromJsonArray)) -}}
{{- fail (printf "helpdesk %q: choose one of chatwoot, intercom, libredesk, liveagent, zendesk" (toString .Values.helpdesk)) -}}
{{- end -}}
{{- $sources := 0 -}}
{{- range (list .Values.redis.enabled .Values.redis.url .Values.redis.existingSecret) -}}
{{- if . -}}{{- $sources = add1 $sources -}}{{- end -}}
{{- end -}}
{{- if gt $sources 1 -}}
{{- fail "redis: set only one of redis.enabled, redis.url and redis.existingSecret" -}}
{{- end -}}
{{- if and (gt (int (include "handover.maxReplicas" .)) 1) (not (include "handover.redisConfigured" .)) -}}
{{- fail (printf "%d replicas need Redis to share locks and de-duplication: set redis.enabled=true, redis.url or redis.existingSecret (or run one replica)" (int (include "handover.maxReplicas" .))) -}}
{{- end -}}
{{- if .Values.autoscaling.enabled -}}
{{- if gt (int .Values.autoscaling.minReplicas) (int .Values.autoscaling.maxReplicas) -}}
{{- fail "autoscaling.minReplicas is above autoscaling.maxReplicas" -}}
{{- end -}}
{{- if and .Values.autoscaling.targetCPUUtilizationPercentage (not (dig "requests" "cpu" "" (.Values.resources | default dict))) -}}
{{- fail "autoscaling on CPU needs resources.requests.cpu" -}}
{{- end -}}
{{- end -}}
{{- if and .Values.podDisruptionBudget.enabled .Values.podDisruptionBudget.minAvailable .Values.podDisruptionBudget.maxUnavailable -}}
{{- fail "podDisruptionBudget: set minAvailable or maxUnavailable, not both" -}}
{{- end -}}
{{- if and (or .Values.knowledge.files .Values.knowledge.existingConfigMap) .Values.config.knowledgeDir -}}
{{- fail "knowledge: use knowledge.files/existingConfigMap or config.knowledgeDir, not both" -}}
{{- end -}}
{{- if and .Values.knowledge.files .Values.knowledge.existingConfigMap -}}
{{- fail "knowledge: use knowledge.files or knowledge.existingConfigMap, not both" -}}
{{- end -}}
{{- if and .Values.systemPrompt .Values.config.systemPromptFile -}}
{{- fail "use systemPrompt or config.systemPromptFile, not both" -}}
{{- end -}}
{{- $secretVars := include "handover.secretVars" . | fromJson -}}
{{- range $name, $_ := include "handover.configEnv" . | fromJson -}}
{{- range $group, $names := $secretVars -}}
{{- if has $name $names -}}
{{- fail (printf "%s is a secret: put it in secrets, secretEnv or existingSecret, not in plain settings" $name) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
