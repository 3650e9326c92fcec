/** The configured channels; a channel without its settings is simply absent. */
import type { ChannelSettings } from '../settings.js'
import type { Channel } from '../types.js'
import { discordChannel } from './discord.js'
import { emailChannel } from './email.js'
import { pagerDutyChannel } from './pagerduty.js'
import { slackChannel } from './slack.js'
import { webhookChannel } from './webhook.js'

export function createChannels (s: ChannelSettings, clock?: () => number): Channel[] {
  const out: Channel[] = []
  if (s.webhook) out.push(webhookChannel(s.webhook.url, s.webhook.secret, clock))
  if (s.slack) out.push(slackChannel(s.slack.url))
  if (s.discord) out.push(discordChannel(s.discord.url))
  if (s.pagerduty) out.push(pagerDutyChannel(s.pagerduty.url, s.pagerduty.routingKey))
  if (s.email) out.push(emailChannel(s.email))
  return out
}
