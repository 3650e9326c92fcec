/** The alert engine's options, from the gateway's configuration (the "Monitoring and alerts" block). */
import type { GatewayConfig } from '../../config/schema.js'
import type { RuleThresholds } from './rules.js'

export interface ChannelSettings {
  webhook?: { url: string; secret?: string }
  slack?: { url: string }
  discord?: { url: string }
  pagerduty?: { routingKey: string; url: string }
  email?: { smtpUrl: string; from: string; to: string[] }
}

export interface AlertSettings {
  thresholds: RuleThresholds
  evalIntervalMs: number
  forMs: number
  keepFiringMs: number
  channels: ChannelSettings
}

export function alertSettingsFrom (c: GatewayConfig): AlertSettings {
  const channels: ChannelSettings = {}
  if (c.ALERT_WEBHOOK_URL) channels.webhook = { url: c.ALERT_WEBHOOK_URL, ...(c.ALERT_WEBHOOK_SECRET ? { secret: c.ALERT_WEBHOOK_SECRET } : {}) }
  if (c.ALERT_SLACK_WEBHOOK_URL) channels.slack = { url: c.ALERT_SLACK_WEBHOOK_URL }
  if (c.ALERT_DISCORD_WEBHOOK_URL) channels.discord = { url: c.ALERT_DISCORD_WEBHOOK_URL }
  if (c.ALERT_PAGERDUTY_ROUTING_KEY) channels.pagerduty = { routingKey: c.ALERT_PAGERDUTY_ROUTING_KEY, url: c.ALERT_PAGERDUTY_URL }
  if (c.ALERT_SMTP_URL && c.ALERT_EMAIL_TO) {
    channels.email = { smtpUrl: c.ALERT_SMTP_URL, from: c.ALERT_EMAIL_FROM, to: c.ALERT_EMAIL_TO.split(',').map((a) => a.trim()).filter((a) => a !== '') }
  }
  return {
    thresholds: {
      poolUsage: c.ALERT_POOL_USAGE,
      cacheHitRate: c.ALERT_CACHE_HIT_RATE,
      cacheMinSample: c.ALERT_CACHE_MIN_SAMPLE,
      queryTimeMs: c.ALERT_QUERY_TIME,
      errorRate: c.ALERT_ERROR_RATE,
      replicationLagMs: c.ALERT_REPLICATION_LAG
    },
    evalIntervalMs: c.ALERT_EVAL_INTERVAL * 1000,
    forMs: c.ALERT_FOR * 1000,
    keepFiringMs: c.ALERT_KEEP_FIRING * 1000,
    channels
  }
}
