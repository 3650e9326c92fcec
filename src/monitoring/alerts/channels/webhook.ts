/**
 * The generic JSON webhook (ALERT_WEBHOOK_URL). With ALERT_WEBHOOK_SECRET the raw body is signed:
 * `X-Gateway-Signature: sha256=<hex HMAC-SHA256(secret, body)>`. The body carries `sentAt` (equal
 * to `X-Gateway-Timestamp`, unix seconds) under the signature, so a receiver can refuse replays
 * (docs/alerts.md shows the check).
 */
import { createHmac } from 'node:crypto'
import type { AlertNotification, Channel } from '../types.js'
import { postJson } from './http.js'

export const WEBHOOK_VERSION = 1

export function webhookBody (n: AlertNotification, sentAt: Date): Record<string, unknown> {
  return {
    version: WEBHOOK_VERSION,
    rule: n.rule,
    state: n.state,
    value: n.value,
    threshold: n.threshold,
    comparison: n.comparison,
    unit: n.unit,
    severity: n.severity,
    description: n.description,
    ...(n.detail !== undefined ? { detail: n.detail } : {}),
    startsAt: n.startsAt,
    ...(n.endsAt !== undefined ? { endsAt: n.endsAt } : {}),
    episode: n.episode,
    dedupKey: n.dedupKey,
    instance: n.instance,
    sentAt: sentAt.toISOString()
  }
}

export function sign (secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`
}

export function webhookChannel (url: string, secret?: string, clock: () => number = Date.now): Channel {
  return {
    name: 'webhook',
    send: async (n) => {
      const now = new Date(clock())
      const body = JSON.stringify(webhookBody(n, now))
      const headers: Record<string, string> = { 'x-gateway-timestamp': String(Math.floor(now.getTime() / 1000)) }
      if (secret !== undefined) headers['x-gateway-signature'] = sign(secret, body)
      await postJson(url, body, headers)
    }
  }
}
