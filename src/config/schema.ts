/**
 * Every environment variable of the gateway, declared once (SPEC §5, STYLE §6).
 * `description` is the expected form; start-up errors quote it.
 */
import { Type, type Static } from 'typebox'

const int = (def: number, min: number, max: number, form: string) =>
  Type.Integer({ default: def, minimum: min, maximum: max, description: form })
const ratio = (def: number, form: string) =>
  Type.Number({ default: def, minimum: 0, maximum: 1, description: `a number from 0 to 1 (${form})` })
const bool = (def: boolean) => Type.Boolean({ default: def, description: 'true or false' })
const optionalUrl = (pattern: string, form: string) => Type.Optional(Type.String({ pattern, description: form }))

export const configSchema = Type.Object({
  NODE_ENV: Type.Union([Type.Literal('development'), Type.Literal('production'), Type.Literal('test')], { default: 'development', description: 'one of development, production, test' }),
  LOG_LEVEL: Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)), { default: 'info', description: 'one of fatal, error, warn, info, debug, trace, silent' }),
  PORT: int(3000, 0, 65535, 'a TCP port from 0 to 65535'),
  HOST: Type.Optional(Type.String({ minLength: 1, description: 'a host name or IP address to listen on (default: 127.0.0.1 with the embedded database, else 0.0.0.0)' })),
  ADMIN_TOKEN: Type.Optional(Type.String({ minLength: 16, description: 'a secret of at least 16 characters' })),
  METRICS_TOKEN: Type.Optional(Type.String({ minLength: 16, description: 'a secret of at least 16 characters' })),
  BODY_LIMIT: int(1_048_576, 1024, 104_857_600, 'a request body limit in bytes (1024 to 104857600)'),

  // --- Database ---
  DATABASE_URL: optionalUrl('^postgres(ql)?://\\S+$', 'a postgres:// connection URL'),
  DATABASE_READ_URLS: Type.String({ default: '', pattern: '^(\\s*postgres(ql)?://[^,\\s]+\\s*(,\\s*postgres(ql)?://[^,\\s]+\\s*)*)?$', description: 'comma-separated postgres:// URLs of read replicas' }),
  DB_POOL_MIN: int(2, 0, 1000, 'an integer from 0 to 1000'),
  DB_POOL_MAX: int(20, 1, 1000, 'an integer from 1 to 1000'),
  DB_POOL_IDLE_TIMEOUT: int(30_000, 0, 86_400_000, 'milliseconds (0 = never)'),
  DB_POOL_CONNECTION_TIMEOUT: int(5_000, 1, 600_000, 'milliseconds from 1 to 600000'),
  DB_STATEMENT_TIMEOUT: int(30_000, 0, 3_600_000, 'milliseconds (0 = no timeout)'),
  DB_READ_STRATEGY: Type.Union([Type.Literal('round-robin'), Type.Literal('least-connections'), Type.Literal('latency')], { default: 'round-robin', description: 'one of round-robin, least-connections, latency' }),
  REPLICA_MAX_LAG_MS: int(5_000, 0, 3_600_000, 'milliseconds'),
  REPLICA_HEALTH_INTERVAL_MS: int(1_000, 50, 600_000, 'milliseconds from 50 to 600000'),
  REPLICA_UNHEALTHY_THRESHOLD: int(2, 1, 100, 'consecutive bad health readings before a replica leaves the rotation (1 to 100)'),
  REPLICA_HEALTHY_THRESHOLD: int(3, 1, 100, 'consecutive good health readings before it returns (1 to 100)'),
  CONSISTENCY_TOKEN_SECRET: Type.Optional(Type.String({ minLength: 32, description: 'a secret of at least 32 characters, the same on every gateway instance (generated per process when unset)' })),

  // --- Cache ---
  REDIS_URL: optionalUrl('^rediss?://\\S+$', 'a redis:// or rediss:// URL'),
  REDIS_CLUSTER_NODES: Type.Optional(Type.String({ pattern: '^[^,\\s]+:\\d+(,[^,\\s]+:\\d+)*$', description: 'comma-separated host:port pairs' })),
  CACHE_ENABLED: bool(true),
  CACHE_TTL: int(300, 1, 31_536_000, 'seconds from 1 to 31536000'),
  CACHE_STALE_TTL: int(60, 0, 86_400, 'seconds from 0 to 86400'),
  CACHE_MAX_MEMORY: Type.String({ default: '64mb', pattern: '^\\d+(\\.\\d+)?\\s*(b|kb|mb|gb)?$', description: 'a size such as 67108864, 512kb, 64mb or 1gb' }),
  CACHE_ENABLE_COMPRESSION: bool(true),
  CACHE_COMPRESSION_THRESHOLD: int(1_024, 0, 104_857_600, 'bytes'),
  CACHE_ENABLE_WARMING: bool(false),
  CACHE_DB_NOTIFY: Type.Optional(Type.Boolean({ description: 'true or false (default: true with the embedded database, else false)' })),
  CACHE_KEY_PREFIX: Type.String({ default: 'sr:', pattern: '^[A-Za-z0-9:_.-]{1,32}$', description: 'a key prefix of 1 to 32 letters, digits or :_.-' }),
  CACHE_REDIS_TIMEOUT_MS: int(100, 5, 10_000, 'milliseconds from 5 to 10000 (per Redis command)'),
  CACHE_VALIDATION: Type.Union([Type.Literal('strict'), Type.Literal('pubsub')], { default: 'strict', description: 'one of strict, pubsub' }),
  CACHE_ADMISSION: Type.Union([Type.Literal('always'), Type.Literal('second-hit')], { default: 'always', description: 'one of always, second-hit' }),
  CACHE_WARM_INTERVAL: int(300, 0, 86_400, 'seconds (0 = warm only at start)'),

  // --- Monitoring and alerts ---
  MONITORING_ENABLED: bool(true),
  SLOW_QUERY_THRESHOLD: int(500, 0, 3_600_000, 'milliseconds'),
  METRICS_RETENTION_DAYS: int(7, 1, 3650, 'days from 1 to 3650'),
  ALERT_POOL_USAGE: ratio(0.8, 'share of the pool in use'),
  ALERT_CACHE_HIT_RATE: ratio(0.5, 'minimum cache hit rate'),
  ALERT_QUERY_TIME: int(1_000, 1, 3_600_000, 'milliseconds (average query time)'),
  ALERT_ERROR_RATE: ratio(0.05, 'share of failed requests'),
  ALERT_REPLICATION_LAG: int(10_000, 1, 3_600_000, 'milliseconds'),
  MONITORING_INSTANCE_ID: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9:_.-]{1,64}$', description: 'an instance name of 1 to 64 letters, digits or :_.- (default host:pid)' })),
  SLOW_QUERY_PLANS: bool(true),
  ALERT_EVAL_INTERVAL: int(15, 1, 3_600, 'seconds from 1 to 3600'),
  ALERT_FOR: int(60, 0, 86_400, 'seconds a condition must hold before the alert fires (0 to 86400)'),
  ALERT_KEEP_FIRING: int(60, 0, 86_400, 'seconds a firing alert stays firing after its condition clears (0 to 86400)'),
  ALERT_CACHE_MIN_SAMPLE: int(100, 1, 1_000_000_000, 'cache lookups in the window before the hit-rate rule judges'),
  ALERT_WEBHOOK_URL: optionalUrl('^https?://\\S+$', 'an http(s):// URL'),
  ALERT_WEBHOOK_SECRET: Type.Optional(Type.String({ minLength: 16, description: 'a secret of at least 16 characters (HMAC-SHA256 of the webhook body)' })),
  ALERT_SLACK_WEBHOOK_URL: optionalUrl('^https?://\\S+$', 'an http(s):// URL'),
  ALERT_DISCORD_WEBHOOK_URL: optionalUrl('^https?://\\S+$', 'an http(s):// URL'),
  ALERT_PAGERDUTY_ROUTING_KEY: Type.Optional(Type.String({ pattern: '^\\S{8,64}$', description: 'a PagerDuty Events API v2 integration (routing) key' })),
  ALERT_PAGERDUTY_URL: Type.String({ default: 'https://events.pagerduty.com/v2/enqueue', pattern: '^https?://\\S+$', description: 'an http(s):// URL' }),
  ALERT_SMTP_URL: optionalUrl('^smtps?://\\S+$', 'an smtp:// or smtps:// URL'),
  ALERT_EMAIL_FROM: Type.String({ default: 'gateway-alerts@localhost', pattern: '^\\S+@\\S+$', description: 'an e-mail address' }),
  ALERT_EMAIL_TO: Type.Optional(Type.String({ pattern: '^\\S+@\\S+(\\s*,\\s*\\S+@\\S+)*$', description: 'comma-separated e-mail addresses' })),

  // --- Partitions ---
  PARTITIONING_ENABLED: bool(true),
  PARTITION_MAINTENANCE_SCHEDULE: Type.String({ default: '0 2 * * *', pattern: '^(\\S+\\s+){4}\\S+$', description: 'a 5-field cron expression such as "0 2 * * *"' }),
  PARTITION_PREMAKE_MONTHS: int(3, 1, 36, 'months from 1 to 36'),
  RETENTION_NOTIFICATIONS_MONTHS: int(12, 1, 1200, 'months'),
  RETENTION_AUDIT_LOGS_MONTHS: int(24, 1, 1200, 'months'),
  PARTITION_ARCHIVE_SCHEMA: Type.Optional(Type.String({ pattern: '^[a-z_][a-z0-9_]{0,62}$', description: 'a schema name (lower-case letters, digits, _) to move expired partitions to instead of dropping them' })),
  PARTITION_LOCK_TIMEOUT_MS: int(2_000, 10, 600_000, 'milliseconds a maintenance step waits for a lock before it gives up until the next run'),

  // --- Query optimizer ---
  OPTIMIZER_AUTO_APPLY: bool(false),
  OPTIMIZER_AUTO_APPLY_MIN_SAVING: ratio(0.9, 'cost saving a validated suggestion needs to be built automatically'),
  OPTIMIZER_MIN_TABLE_SIZE: Type.String({ default: '10mb', pattern: '^\\d+(\\.\\d+)?\\s*(b|kb|mb|gb)?$', description: 'a table size such as 10mb below which no index is suggested' }),
  OPTIMIZER_LOCK_TIMEOUT_MS: int(5_000, 10, 600_000, 'milliseconds an index build waits for a lock before it fails'),

  // --- GraphQL ---
  GRAPHQL_MAX_DEPTH: int(8, 1, 50, 'an integer from 1 to 50'),
  GRAPHQL_INTROSPECTION: bool(true),
  GRAPHQL_MAX_QUERY_LENGTH: int(10_000, 100, 1_000_000, 'characters of GraphQL query text (100 to 1000000)'),
  GRAPHQL_MAX_COST: int(20_000, 1, 10_000_000, 'an integer (estimated rows a query may touch)')
}, { additionalProperties: false })

export type GatewayConfig = Static<typeof configSchema>
