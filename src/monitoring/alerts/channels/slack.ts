/**
 * Slack incoming webhook: `text` (the notification fallback) plus Block Kit `blocks`.
 * @see https://api.slack.com/messaging/webhooks
 */
import type { AlertNotification, Channel } from '../types.js'
import { postJson } from './http.js'
import { fields, summary, title } from './message.js'

export function slackPayload (n: AlertNotification): Record<string, unknown> {
  const emoji = n.state === 'firing' ? ':red_circle:' : ':large_green_circle:'
  return {
    text: `${emoji} ${title(n)} — ${summary(n)}`,
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: title(n).slice(0, 150) } },
      { type: 'section', text: { type: 'mrkdwn', text: summary(n) }, fields: fields(n).slice(0, 10).map(([k, v]) => ({ type: 'mrkdwn', text: `*${k}*\n${v}` })) },
      { type: 'context', elements: [{ type: 'mrkdwn', text: `${n.dedupKey} · evaluated by ${n.instance}` }] }
    ]
  }
}

export function slackChannel (url: string): Channel {
  return { name: 'slack', send: async (n) => { await postJson(url, JSON.stringify(slackPayload(n))) } }
}
