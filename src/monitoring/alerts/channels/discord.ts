/**
 * Discord "execute webhook": `content` plus one embed (`color` is an integer RGB). Mentions are
 * disabled: an alert text must never ping @everyone.
 * @see https://discord.com/developers/docs/resources/webhook#execute-webhook
 */
import type { AlertNotification, Channel } from '../types.js'
import { postJson } from './http.js'
import { fields, summary, title } from './message.js'

const RED = 0xE01E5A
const GREEN = 0x2EB67D

export function discordPayload (n: AlertNotification): Record<string, unknown> {
  return {
    content: title(n),
    embeds: [{
      title: title(n).slice(0, 256),
      description: summary(n),
      color: n.state === 'firing' ? RED : GREEN,
      fields: fields(n).map(([name, value]) => ({ name, value: value.slice(0, 1024), inline: true })),
      timestamp: n.state === 'firing' ? n.startsAt : (n.endsAt ?? n.startsAt),
      footer: { text: `${n.dedupKey} · ${n.instance}` }
    }],
    allowed_mentions: { parse: [] }
  }
}

export function discordChannel (url: string): Channel {
  return { name: 'discord', send: async (n) => { await postJson(url, JSON.stringify(discordPayload(n))) } }
}
