/**
 * The live dashboard (issue 8): the page, its assets and its stream over HTTP, then the page in
 * headless Chromium — sign-in, live numbers under load, offline (everything but the gateway
 * blocked), and the token kept out of URLs and localStorage. Leaves a screenshot (a temp file, or
 * DASHBOARD_SCREENSHOT=docs/images/dashboard.png for the committed one, taken after
 * DASHBOARD_SCREENSHOT_SECONDS (default 150) of load so the history charts have roll-ups).
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdir } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { chromium, type Page } from 'playwright-core'
import { adminHeaders, buildTestApp, cleanup, TEST_ADMIN_TOKEN } from '../helpers/app.js'

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--no-first-run', '--disable-sync']

test('dashboard page, assets and stream over HTTP', async (t) => {
  const app = await buildTestApp(t)

  const page = await app.inject({ url: '/admin/performance' })
  assert.equal(page.statusCode, 200)
  assert.match(page.headers['content-type'] as string, /^text\/html/)
  const csp = page.headers['content-security-policy'] as string
  assert.match(csp, /default-src 'self'/)
  assert.match(csp, /script-src 'self'(;|$)/, 'no inline script allowed')
  assert.doesNotMatch(page.body, /<script(?![^>]*\bsrc=)/, 'every script is a file')
  assert.doesNotMatch(page.body, /https?:\/\//, 'no external URL')

  for (const file of ['dashboard.js', 'sse-reader.js', 'render.js', 'charts.js', 'dashboard.css', 'uPlot.iife.min.js', 'uPlot.min.css']) {
    const res = await app.inject({ url: `/admin/performance/assets/${file}` })
    assert.equal(res.statusCode, 200, file)
    assert.match(res.headers['cache-control'] as string, /max-age=\d+/)
    assert.doesNotMatch(res.body, file.startsWith('uPlot') ? /$^/ : /https?:\/\//, `${file} names no external URL`)
    const again = await app.inject({ url: `/admin/performance/assets/${file}`, headers: { 'if-none-match': res.headers.etag as string } })
    assert.equal(again.statusCode, 304, `${file} revalidates`)
  }
  for (const file of ['index.html', 'package.json', '..%2F..%2Fpackage.json', 'uPlot.esm.js', '%2Fetc%2Fpasswd']) {
    const res = await app.inject({ url: `/admin/performance/assets/${file}` })
    assert.equal(res.statusCode, 404, file)
    assert.equal(res.json().code, 'GW_ERR_NOT_FOUND')
  }

  for (const headers of [{}, { authorization: 'Bearer wrong-token-wrong-token' }]) {
    const res = await app.inject({ url: '/admin/performance/stream', headers })
    assert.equal(res.statusCode, 401)
    assert.equal(res.json().code, 'GW_ERR_UNAUTHORIZED')
  }
  assert.equal((await app.inject({ url: '/admin/performance/stream?interval=10', headers: adminHeaders })).statusCode, 400)

  // The stream never ends, so it is read over a real socket and dropped after the first event.
  await app.listen({ port: 0, host: '127.0.0.1' })
  const controller = new AbortController()
  const res = await fetch(`${origin(app)}/admin/performance/stream?interval=500`, { headers: adminHeaders, signal: controller.signal })
  assert.equal(res.status, 200)
  assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/)
  assert.equal(res.headers.get('cache-control'), 'no-store')
  const reader = res.body!.getReader()
  let text = ''
  while (!/\n\n[^]*data: .*\n\n/.test(text)) text += new TextDecoder().decode((await reader.read()).value)
  controller.abort()
  const data = JSON.parse(/^data: (.*)$/m.exec(text)![1]!)
  assert.deepEqual(Object.keys(data).sort(), ['alerts', 'at', 'health', 'metrics', 'partitions', 'slowQueries'])
  assert.equal(data.partitions.status, 'ok', 'app.partitionsOverview feeds the stream')
  assert.deepEqual(data.partitions.data.map((p: { table: string }) => p.table), ['notifications', 'audit_logs', 'gateway_metrics_minute', 'activity_events'])
  assert.equal(data.health.status, 'ok')
  assert.equal(data.metrics.status, 'ok', 'app.monitoring feeds the stream')
  assert.equal(data.slowQueries.status, 'ok', 'app.slowQueries feeds the stream')
  assert.equal(data.alerts.status, 'ok', 'app.alerts feeds the stream')
  assert.ok(Array.isArray(data.alerts.data.rules) && data.alerts.data.rules.length > 0)
})

test('an open dashboard stream does not hold up a graceful close', { timeout: 15_000 }, async () => {
  const app = await buildTestApp(undefined)
  await app.listen({ port: 0, host: '127.0.0.1' })
  const res = await fetch(`${origin(app)}/admin/performance/stream`, { headers: adminHeaders })
  const reader = res.body!.getReader()
  await reader.read()
  const closed = app.close()
  // The gateway ends the stream itself (preClose); the client sees the end of the body.
  for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) { /* drain */ }
  await closed
})

test('dashboard in headless Chromium', async (t) => {
  // A low slow-query threshold, so statements of the test's own traffic can show up in the list.
  const app = await buildTestApp(t, { replicas: true, env: { SLOW_QUERY_THRESHOLD: '10' } })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const gateway = origin(app)
  const { rows } = await app.db.query<{ id: string }>('SELECT id FROM users ORDER BY id LIMIT 500')
  const ids = rows.map((r) => Number(r.id))
  assert.ok(ids.length > 50, 'the test cluster is seeded')

  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS })
  // Before the app closes (cleanups run first), so no page is still reconnecting to it.
  cleanup(app, async () => { await browser.close() })
  const context = await browser.newContext({ viewport: { width: 1360, height: 1500 } })
  // Offline except for the gateway: anything else is aborted and recorded.
  const blocked: string[] = []
  const requested: string[] = []
  await context.route('**/*', async (route) => {
    const url = route.request().url()
    if (url.startsWith(`${gateway}/`)) await route.continue()
    else { blocked.push(url); await route.abort() }
  })
  context.on('request', (r) => { requested.push(r.url()) })
  const page = await context.newPage()
  const pageErrors: string[] = []
  page.on('pageerror', (e) => { pageErrors.push(e.message) })

  await t.test('a wrong token is rejected and shows no data', async () => {
    await page.goto(`${gateway}/admin/performance`)
    await signIn(page, 'not-the-admin-token')
    await page.locator('[data-testid=login-error]').waitFor({ state: 'visible' })
    assert.equal(await page.locator('[data-testid=login-error]').textContent(), 'Invalid admin token')
    assert.equal(await page.locator('[data-testid=dashboard]').isVisible(), false)
    assert.equal(await page.locator('[data-testid=login-form]').isVisible(), true)
    assert.equal(await page.evaluate(() => sessionStorage.length + localStorage.length), 0)
  })

  await t.test('the admin token shows live numbers that change under load', async () => {
    await signIn(page, TEST_ADMIN_TOKEN)
    await page.locator('[data-testid=dashboard]').waitFor({ state: 'visible' })
    const before = await waitForNumber(page, 'tile-requests-total')
    const queriesBefore = await waitForNumber(page, 'tile-queries')
    for (const id of ['tile-qps', 'tile-p50', 'tile-p95', 'tile-p99', 'tile-rps', 'tile-error-rate', 'tile-hit-rate']) await waitForNumber(page, id)
    await page.locator('[data-testid=pool-primary]').waitFor()
    await page.locator('[data-testid=replica-replica0]').waitFor()
    assert.equal(await page.locator('[data-testid=tile-health]').getAttribute('data-value'), 'ok')
    await page.locator('[data-testid=rule-pool_usage]').waitFor({ state: 'attached' })
    assert.equal(await page.locator('[data-testid=alerts-unavailable]').count(), 0)
    assert.equal(await page.locator('[data-testid=slow-queries-unavailable]').count(), 0)
    await page.locator('[data-testid=partition-table]').first().waitFor()
    assert.equal(await page.locator('[data-testid=partition-table]').count(), 4, 'one row per maintained table')
    assert.match(await page.locator('[data-testid=partition-table]').first().innerText(), /^notifications\t\d+\t\d{4}-\d\d-01\t/)

    await load(gateway, ids, 200)
    const after = await waitFor(page, 'tile-requests-total', (v) => v >= before + 200)
    assert.ok(after >= before + 200, `requests counted: ${before} → ${after}`)
    const queriesAfter = await waitFor(page, 'tile-queries', (v) => v !== queriesBefore)
    assert.notEqual(queriesAfter, queriesBefore, 'the query count moved')
    assert.ok(await waitFor(page, 'tile-qps', (v) => v > 0) > 0)
    assert.equal(await page.evaluate(() => sessionStorage.length), 1, 'the token is kept for this tab')
    assert.equal(await page.evaluate(() => localStorage.length), 0, 'and never in localStorage')
  })

  await t.test('a dropped stream reconnects by itself', async () => {
    const status = page.locator('[data-testid=stream-status]')
    const updated = page.locator('[data-testid=updated]')
    const lastSnapshot = await updated.getAttribute('data-at')
    const resumed = async (): Promise<boolean> => (await status.textContent()) === 'Live' && (await updated.getAttribute('data-at') ?? '') > (lastSnapshot ?? '')
    const seen: string[] = []
    await page.exposeFunction('statusChanged', (text: string) => { seen.push(text) })
    await page.evaluate(() => {
      const node = document.querySelector('[data-testid=stream-status]')!
      new MutationObserver(() => { (window as unknown as { statusChanged: (t: string) => void }).statusChanged(node.textContent ?? '') })
        .observe(node, { childList: true, characterData: true, subtree: true })
    })
    // Every socket of the gateway, the stream's included; the server itself keeps listening.
    app.server.closeAllConnections()
    const deadline = Date.now() + 20_000
    while (Date.now() < deadline && !(seen.some((s) => s.startsWith('Disconnected')) && await resumed())) {
      await page.waitForTimeout(200)
    }
    assert.ok(seen.some((s) => s.startsWith('Disconnected')), `the page noticed: ${seen.join(' | ')}`)
    assert.ok(await resumed(), `snapshots resumed after ${lastSnapshot}`)
  })

  await t.test('nothing leaves the gateway; the token is in no URL', async () => {
    await page.reload()
    // The remembered token signs the tab back in without the form.
    await page.locator('[data-testid=dashboard]').waitFor({ state: 'visible' })
    await waitForNumber(page, 'tile-qps')
    assert.deepEqual(blocked, [], 'no request to any other origin')
    assert.ok(requested.length > 0)
    for (const url of requested) {
      assert.ok(url.startsWith(`${gateway}/`), url)
      assert.ok(!url.includes(TEST_ADMIN_TOKEN) && !url.includes(encodeURIComponent(TEST_ADMIN_TOKEN)), `token in ${url}`)
    }
    assert.ok(requested.some((u) => u.includes('/assets/uPlot.iife.min.js')), 'uPlot comes from the gateway')
    assert.deepEqual(pageErrors, [])
    await mkdir(path.dirname(screenshotPath()), { recursive: true })
    if (process.env.DASHBOARD_SCREENSHOT) await underLoad(gateway, ids, Number(process.env.DASHBOARD_SCREENSHOT_SECONDS ?? 150), async () => { await page.screenshot({ path: screenshotPath(), fullPage: true }) })
    else await page.screenshot({ path: screenshotPath(), fullPage: true })
  })

  await t.test('log out forgets the token', async () => {
    await page.locator('[data-testid=logout]').click()
    await page.locator('[data-testid=login-form]').waitFor({ state: 'visible' })
    assert.equal(await page.evaluate(() => sessionStorage.length), 0)
  })
})

const origin = (app: { server: { address: () => unknown } }): string => {
  const { port } = app.server.address() as { port: number }
  return `http://127.0.0.1:${port}`
}

const screenshotPath = (): string => path.resolve(process.env.DASHBOARD_SCREENSHOT ?? path.join(os.tmpdir(), `dashboard-${process.pid}.png`))

async function signIn (page: Page, token: string): Promise<void> {
  await page.locator('[data-testid=token-input]').fill(token)
  await page.locator('[data-testid=login-submit]').click()
}

/** The tile's raw number once it has one (snapshots arrive every 2 s). */
async function waitForNumber (page: Page, testid: string): Promise<number> {
  return await waitFor(page, testid, () => true)
}

async function waitFor (page: Page, testid: string, ok: (v: number) => boolean, timeoutMs = 20_000): Promise<number> {
  const deadline = Date.now() + timeoutMs
  let last = Number.NaN
  while (Date.now() < deadline) {
    const raw = await page.locator(`[data-testid=${testid}]`).getAttribute('data-value')
    last = raw === null || raw === '' ? Number.NaN : Number(raw)
    if (Number.isFinite(last) && ok(last)) return last
    await page.waitForTimeout(250)
  }
  return last
}

/** `n` reads over many users (distinct ids: cache misses reach the database), 8 at a time. */
async function load (gateway: string, ids: number[], n: number): Promise<void> {
  let next = 0
  await Promise.all(Array.from({ length: 8 }, async () => {
    while (next < n) {
      const id = ids[next++ % ids.length]!
      const res = await fetch(`${gateway}/users/${id}`)
      await res.arrayBuffer()
    }
  }))
}

/** Name searches that mostly miss the cache, so the screenshot's query figures are not all zero. */
async function searches (gateway: string, n: number): Promise<void> {
  await Promise.all(Array.from({ length: n }, async () => {
    const term = Math.random().toString(36).slice(2, 4)
    await (await fetch(`${gateway}/universities?search=${term}`)).arrayBuffer()
  }))
}

/** Traffic for the committed screenshot: the per-minute roll-ups need a few minutes of it; `then` runs while it still flows. */
async function underLoad (gateway: string, ids: number[], seconds: number, then: () => Promise<void>): Promise<void> {
  let busy = true
  const traffic = (async () => { while (busy) await Promise.all([load(gateway, ids, 100), searches(gateway, 4)]) })()
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000))
  try { await then() } finally {
    busy = false
    await traffic
  }
}
