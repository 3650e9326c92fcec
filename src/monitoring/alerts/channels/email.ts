/** Mail over SMTP (nodemailer; ALERT_SMTP_URL such as smtp://user:pass@host:587 or smtps://…). */
import nodemailer from 'nodemailer'
import type { AlertNotification, Channel } from '../types.js'
import { DeliveryError } from '../types.js'
import { fields, summary, title } from './message.js'
import { SEND_TIMEOUT_MS } from './http.js'

const escape = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

export function emailContent (n: AlertNotification): { subject: string; text: string; html: string } {
  const rows = fields(n)
  return {
    subject: title(n),
    text: `${summary(n)}\n\n${rows.map(([k, v]) => `${k}: ${v}`).join('\n')}\n\n${n.dedupKey} (evaluated by ${n.instance})\n`,
    html: `<p>${escape(summary(n))}</p><table>${rows.map(([k, v]) => `<tr><th align="left">${escape(k)}</th><td>${escape(v)}</td></tr>`).join('')}</table>` +
      `<p><small>${escape(n.dedupKey)} (evaluated by ${escape(n.instance)})</small></p>`
  }
}

export function emailChannel (opts: { smtpUrl: string; from: string; to: string[] }): Channel {
  // One bound for the connection, the greeting and each command, like the HTTP channels' timeout.
  const transport = nodemailer.createTransport({ url: opts.smtpUrl, connectionTimeout: SEND_TIMEOUT_MS, greetingTimeout: SEND_TIMEOUT_MS, socketTimeout: SEND_TIMEOUT_MS })
  return {
    name: 'email',
    send: async (n) => {
      try {
        await transport.sendMail({ from: opts.from, to: opts.to, ...emailContent(n) })
      } catch (err) {
        const e = err as Error & { responseCode?: number; code?: string }
        // 5xx SMTP replies are permanent (mailbox unknown, relay denied); anything else is retried.
        const permanent = e.responseCode !== undefined && e.responseCode >= 500
        throw new DeliveryError(`SMTP ${e.responseCode ?? e.code ?? 'error'}: ${e.message.slice(0, 200)}`, permanent)
      }
    },
    close: () => { transport.close() }
  }
}
