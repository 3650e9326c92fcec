/**
 * PagerDuty Events API v2: `trigger` when an episode fires, `resolve` when it ends, both with the
 * episode's dedup_key so the resolve closes exactly the incident its trigger opened. A 202 is success.
 * @see https://developer.pagerduty.com/docs/events-api-v2/trigger-events/
 */
import type { AlertNotification, Channel } from '../types.js'
import { postJson } from './http.js'
import { SOURCE, summary, title } from './message.js'

export function pagerDutyPayload (n: AlertNotification, routingKey: string): Record<string, unknown> {
  if (n.state === 'resolved') return { routing_key: routingKey, event_action: 'resolve', dedup_key: n.dedupKey }
  return {
    routing_key: routingKey,
    event_action: 'trigger',
    dedup_key: n.dedupKey,
    payload: {
      summary: `${title(n)} — ${summary(n)}`.slice(0, 1024),
      source: n.instance,
      severity: n.severity,
      timestamp: n.startsAt,
      component: SOURCE,
      group: 'monitoring',
      class: n.rule,
      custom_details: { rule: n.rule, value: n.value, threshold: n.threshold, comparison: n.comparison, unit: n.unit, episode: n.episode, detail: n.detail ?? null }
    },
    client: 'StellarRec gateway'
  }
}

export function pagerDutyChannel (url: string, routingKey: string): Channel {
  return { name: 'pagerduty', send: async (n) => { await postJson(url, JSON.stringify(pagerDutyPayload(n, routingKey))) } }
}
