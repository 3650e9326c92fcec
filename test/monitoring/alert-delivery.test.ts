import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createHmac, timingSafeEqual } from 'node:crypto'
import { claimDue } from '../../src/monitoring/alerts/outbox.js'
import { fakeSampler, freePort, resetAlerts, startReceiver, startSmtp, testEngine, testPool, until } from './helpers/receivers.js'

const SECRET = 'webhook-secret-0123456789'
const ROUTING_KEY = 'R0UT1NGKEY0123456789abcdef012345'

/** The receiver side of docs/alerts.md's verification recipe. */
function verified (raw: string, header: string | string[] | undefined): boolean {
  const expected = Buffer.from(`sha256=${createHmac('sha256', SECRET).update(raw).digest('hex')}`)
  const given = Buffer.from(String(header ?? ''))
  return given.length === expected.length && timingSafeEqual(given, expected)
}

test('Slack, Discord, PagerDuty v2, the signed webhook and SMTP mail each receive firing and resolved in their documented shapes', async (t) => {
  const pool = testPool(t)
  await resetAlerts(pool)
  const http = await startReceiver(t)
  http.respond((req) => req.path === '/pagerduty'
    ? { status: 202, body: JSON.stringify({ status: 'success', message: 'Event processed', dedup_key: req.json?.dedup_key }) }
    : req.path === '/discord' ? { status: 204 } : { status: 200, body: 'ok' })
  const smtp = await startSmtp(t)
  const observed = fakeSampler('delivery-a')
  const engine = testEngine(t, {
    pool,
    instance: 'delivery-a',
    sample: observed.sample,
    env: {
      ALERT_WEBHOOK_URL: `${http.url}/webhook`,
      ALERT_WEBHOOK_SECRET: SECRET,
      ALERT_SLACK_WEBHOOK_URL: `${http.url}/slack`,
      ALERT_DISCORD_WEBHOOK_URL: `${http.url}/discord`,
      ALERT_PAGERDUTY_ROUTING_KEY: ROUTING_KEY,
      ALERT_PAGERDUTY_URL: `${http.url}/pagerduty`,
      ALERT_SMTP_URL: smtp.url,
      ALERT_EMAIL_FROM: 'alerts@gateway.test',
      ALERT_EMAIL_TO: 'oncall@example.test, db@example.test'
    }
  })
  assert.deepEqual(engine.channels.sort(), ['discord', 'email', 'pagerduty', 'slack', 'webhook'])

  observed.set('replication_lag', 45_000)
  const fired = await engine.evaluateOnce()
  assert.deepEqual(fired.transitions.map((x) => [x.rule, x.transition, x.episode, x.enqueued]), [['replication_lag', 'firing', 1, 5]])
  assert.deepEqual(await engine.deliverOnce(), { delivered: 5, retrying: 0, failed: 0 })
  const byPath = (p: string) => http.requests.filter((r) => r.path === p)

  // Generic webhook: the documented body, signed over the raw bytes.
  const [hook] = byPath('/webhook')
  assert.ok(hook)
  assert.equal(hook.headers['content-type'], 'application/json')
  assert.ok(verified(hook.raw, hook.headers['x-gateway-signature']), 'X-Gateway-Signature verifies with the secret')
  assert.ok(!verified(hook.raw.replace('45000', '45001'), hook.headers['x-gateway-signature']), 'a changed body does not verify')
  assert.match(String(hook.headers['x-gateway-timestamp']), /^\d{10}$/)
  assert.equal(Math.floor(Date.parse(hook.json.sentAt) / 1000), Number(hook.headers['x-gateway-timestamp']))
  assert.equal(hook.json.version, 1)
  assert.equal(hook.json.rule, 'replication_lag')
  assert.equal(hook.json.state, 'firing')
  assert.equal(hook.json.value, 45_000)
  assert.equal(hook.json.threshold, 10_000)
  assert.equal(hook.json.episode, 1)
  assert.equal(hook.json.instance, 'delivery-a')
  assert.equal(typeof hook.json.description, 'string')
  assert.ok(!Number.isNaN(Date.parse(hook.json.startsAt)))
  assert.equal(hook.json.endsAt, undefined)

  // Slack incoming webhook: text plus Block Kit blocks.
  const [slack] = byPath('/slack')
  assert.ok(slack)
  assert.match(slack.json.text, /\[FIRING\] replication_lag/)
  assert.ok(Array.isArray(slack.json.blocks) && slack.json.blocks.length > 0)
  for (const b of slack.json.blocks) assert.ok(['header', 'section', 'context'].includes(b.type), b.type)
  assert.equal(slack.json.blocks[0].text.type, 'plain_text')
  assert.ok(slack.json.blocks[1].fields.length <= 10)

  // Discord execute-webhook: content plus an embed with an integer colour and ISO timestamp.
  const [discord] = byPath('/discord')
  assert.ok(discord)
  assert.match(discord.json.content, /\[FIRING\] replication_lag/)
  const [embed] = discord.json.embeds
  assert.ok(embed.title.length <= 256)
  assert.ok(Number.isInteger(embed.color))
  assert.ok(embed.fields.every((f: any) => typeof f.name === 'string' && typeof f.value === 'string'))
  assert.ok(!Number.isNaN(Date.parse(embed.timestamp)))
  assert.deepEqual(discord.json.allowed_mentions, { parse: [] })

  // PagerDuty Events API v2 trigger.
  const [trigger] = byPath('/pagerduty')
  assert.ok(trigger)
  assert.equal(trigger.json.routing_key, ROUTING_KEY)
  assert.equal(trigger.json.event_action, 'trigger')
  assert.equal(trigger.json.dedup_key, 'stellarrec-gateway/replication_lag/1')
  const p = trigger.json.payload
  assert.ok(p.summary.length > 0 && p.summary.length <= 1024)
  assert.equal(p.source, 'delivery-a')
  assert.ok(['critical', 'error', 'warning', 'info'].includes(p.severity))
  assert.ok(!Number.isNaN(Date.parse(p.timestamp)))
  assert.equal(p.class, 'replication_lag')
  assert.equal(p.custom_details.value, 45_000)

  // Mail over SMTP to every recipient.
  await until(() => smtp.mails.length === 1, 'the firing mail')
  assert.equal(smtp.mails[0]!.from, 'alerts@gateway.test')
  assert.deepEqual(smtp.mails[0]!.to, ['oncall@example.test', 'db@example.test'])
  assert.match(smtp.mails[0]!.raw, /^Subject: \[FIRING\] replication_lag/m)
  assert.match(smtp.mails[0]!.raw, /Content-Type: text\/html/)

  observed.set('replication_lag', 10)
  const resolved = await engine.evaluateOnce()
  assert.deepEqual(resolved.transitions.map((x) => [x.rule, x.transition, x.episode]), [['replication_lag', 'resolved', 1]])
  assert.deepEqual(await engine.deliverOnce(), { delivered: 5, retrying: 0, failed: 0 })
  const resolveHook = byPath('/webhook')[1]!
  assert.ok(verified(resolveHook.raw, resolveHook.headers['x-gateway-signature']))
  assert.equal(resolveHook.json.state, 'resolved')
  assert.equal(resolveHook.json.startsAt, hook.json.startsAt)
  assert.ok(Date.parse(resolveHook.json.endsAt) >= Date.parse(resolveHook.json.startsAt))
  assert.deepEqual(byPath('/pagerduty')[1]!.json, { routing_key: ROUTING_KEY, event_action: 'resolve', dedup_key: 'stellarrec-gateway/replication_lag/1' })
  assert.match(byPath('/slack')[1]!.json.text, /\[RESOLVED\] replication_lag/)
  assert.match(byPath('/discord')[1]!.json.content, /\[RESOLVED\] replication_lag/)
  assert.notEqual(byPath('/discord')[1]!.json.embeds[0].color, embed.color)
  await until(() => smtp.mails.length === 2, 'the resolved mail')
  assert.match(smtp.mails[1]!.raw, /^Subject: \[RESOLVED\] replication_lag/m)
  assert.equal(http.requests.length, 8)

  const status = await engine.status()
  assert.equal(status.deliveries.length, 10)
  assert.ok(status.deliveries.every((d) => d.status === 'delivered' && d.attempts === 1 && d.deliveredAt !== null && d.lastError === null))
})

test('a receiver answering 500 twice is retried with back-off and ends delivered; a 400 is not retried', async (t) => {
  const pool = testPool(t)
  await resetAlerts(pool)
  const flaky = await startReceiver(t)
  flaky.respond((_req, n) => n <= 2 ? { status: 500, body: 'boom' } : { status: 200 })
  const observed = fakeSampler('retry-a')
  const engine = testEngine(t, { pool, instance: 'retry-a', sample: observed.sample, env: { ALERT_WEBHOOK_URL: `${flaky.url}/hook` } })

  observed.set('redis_down', 1)
  await engine.evaluateOnce()
  const first = await engine.deliverOnce()
  assert.deepEqual(first, { delivered: 0, retrying: 1, failed: 0 })
  let [row] = (await engine.status()).deliveries
  assert.equal(row?.status, 'pending')
  assert.equal(row?.attempts, 1)
  assert.equal(row?.lastError, 'HTTP 500: boom')
  assert.ok(row?.nextAttemptAt !== null)
  // The sender retries once the back-off (10–20 ms, then 20–40 ms, with this test's policy) has passed.
  await until(async () => { await engine.deliverOnce(); return flaky.requests.length === 3 }, 'the third attempt')
  ;[row] = (await engine.status()).deliveries
  assert.equal(row?.status, 'delivered')
  assert.equal(row?.attempts, 3)
  assert.equal(row?.lastError, null)
  // Each attempt carried the same notification.
  assert.deepEqual(new Set(flaky.requests.map((r) => `${r.json.rule}/${r.json.state}/${r.json.episode}`)), new Set(['redis_down/firing/1']))

  flaky.respond(() => ({ status: 400, body: 'invalid payload' }))
  observed.set('redis_down', 0)
  await engine.evaluateOnce()
  assert.deepEqual(await engine.deliverOnce(), { delivered: 0, retrying: 0, failed: 1 })
  ;[row] = (await engine.status()).deliveries
  assert.equal(row?.transition, 'resolved')
  assert.equal(row?.status, 'failed')
  assert.equal(row?.attempts, 1)
})

test('a notification whose receiver is down stays queued and a new engine (a restart) delivers it; a crashed sender\'s claim lapses', async (t) => {
  const pool = testPool(t)
  await resetAlerts(pool)
  const port = await freePort()
  const observed = fakeSampler('restart-a')
  const env = { ALERT_WEBHOOK_URL: `http://127.0.0.1:${port}/hook` }
  const before = testEngine(t, { pool, instance: 'restart-a', sample: observed.sample, env })
  observed.set('pool_usage', 0.97)
  await before.evaluateOnce()
  assert.deepEqual(await before.deliverOnce(), { delivered: 0, retrying: 1, failed: 0 })
  assert.match((await before.status()).deliveries[0]?.lastError ?? '', /ECONNREFUSED/)
  await before.stop()

  const receiver = await startReceiver(t, port)
  // A sender that claims the row and dies before answering: its 300 ms lease keeps others off, then lapses.
  await until(async () => (await claimDue(pool, ['webhook'], 10, 300)).length === 1, 'the retry to fall due')
  const after = testEngine(t, { pool: testPool(t), instance: 'restart-b', sample: fakeSampler('restart-b').sample, env })
  assert.deepEqual(await after.deliverOnce(), { delivered: 0, retrying: 0, failed: 0 }, 'a live claim is not taken over')
  await until(async () => (await after.deliverOnce()).delivered === 1, 'the restarted engine to deliver')
  assert.equal(receiver.requests.length, 1)
  assert.equal(receiver.requests[0]!.json.rule, 'pool_usage')
  assert.equal(receiver.requests[0]!.json.state, 'firing')
  const [row] = (await after.status()).deliveries
  assert.equal(row?.status, 'delivered')
  assert.equal(row?.attempts, 3, 'the refused attempt, the crashed claim, the delivery')
})
