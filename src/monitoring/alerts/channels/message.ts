/** The human-readable lines every channel shares, so Slack, Discord, PagerDuty and mail agree. */
import { formatValue } from '../rules.js'
import type { AlertNotification } from '../types.js'

export const SOURCE = 'stellarrec-gateway'

export function title (n: AlertNotification): string {
  return `[${n.state === 'firing' ? 'FIRING' : 'RESOLVED'}] ${n.rule}: ${n.description}`
}

export function summary (n: AlertNotification): string {
  const bound = n.unit === 'boolean' ? '' : ` (threshold ${n.comparison === 'above' ? '≥' : '<'} ${formatValue(n.unit, n.threshold)})`
  const now = `${n.rule} is ${formatValue(n.unit, n.value)}${bound}`
  return n.state === 'firing' ? now : `${now}; resolved after ${duration(n)}`
}

export function fields (n: AlertNotification): Array<[string, string]> {
  const out: Array<[string, string]> = [
    ['Rule', n.rule],
    ['State', n.state],
    ['Value', formatValue(n.unit, n.value)],
    ['Threshold', `${n.comparison === 'above' ? '≥' : '<'} ${formatValue(n.unit, n.threshold)}`],
    ['Since', n.startsAt],
    ['Episode', String(n.episode)]
  ]
  if (n.endsAt !== undefined) out.push(['Ended', n.endsAt])
  if (n.detail !== undefined) out.push(['Detail', n.detail])
  return out
}

function duration (n: AlertNotification): string {
  const ms = Date.parse(n.endsAt ?? n.startsAt) - Date.parse(n.startsAt)
  const s = Math.max(0, Math.round(ms / 1000))
  return s < 120 ? `${s} s` : `${Math.round(s / 60)} min`
}
