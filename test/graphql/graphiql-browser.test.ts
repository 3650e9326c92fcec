/**
 * GraphiQL in headless Chromium with every request outside the gateway aborted (offline, as on
 * many corporate networks): it loads, fetches the schema under the default limits, and runs a query.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { chromium } from 'playwright-core'
import { buildTestApp, cleanup } from '../helpers/app.js'

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--no-first-run', '--disable-sync']

test('GraphiQL works offline: assets from the gateway, the schema loads, a query runs', async (t) => {
  const app = await buildTestApp(t)
  await app.listen({ port: 0, host: '127.0.0.1' })
  const gateway = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`

  const asset = await app.inject({ url: '/graphiql/assets/graphiql.min.js' })
  assert.equal(asset.statusCode, 200)
  assert.match(String(asset.headers['content-type']), /^text\/javascript/)
  assert.equal((await app.inject({ url: '/graphiql/assets/..%2Fpackage.json' })).statusCode, 404)
  const html = (await app.inject({ url: '/graphiql' })).body
  assert.doesNotMatch(html, /https?:\/\//, 'the page names no external URL')

  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS })
  cleanup(app, async () => { await browser.close() })
  const context = await browser.newContext()
  const blocked: string[] = []
  await context.route('**/*', async (route) => {
    const url = route.request().url()
    if (url.startsWith(`${gateway}/`)) await route.continue()
    else { blocked.push(url); await route.abort() }
  })
  const page = await context.newPage()
  const errors: string[] = []
  page.on('pageerror', (e) => { errors.push(e.message) })
  const introspected = page.waitForResponse((r) => r.url().endsWith('/graphql') && r.request().postData()?.includes('IntrospectionQuery') === true)
  await page.goto(`${gateway}/graphiql`)
  const schema = await introspected
  assert.equal(schema.status(), 200, 'the introspection query passes the limits')
  assert.equal((await schema.json()).errors, undefined)
  await page.locator('.graphiql-container').waitFor()

  // The Docs pane lists the schema's root types (it says "Error fetching schema" otherwise).
  await page.locator('[aria-label="Show Documentation Explorer"]').click()
  await page.locator('.graphiql-doc-explorer').getByText('Query', { exact: true }).first().waitFor()
  assert.equal(await page.getByText('Error fetching schema').count(), 0)

  // Run the default query (users) and read the result pane.
  await page.locator('.graphiql-execute-button').click()
  await page.locator('.result-window').getByText('"nextCursor"').waitFor()
  assert.match(await page.locator('.result-window').innerText(), /"email"/)
  assert.deepEqual(blocked, [], 'nothing outside the gateway was requested')
  assert.deepEqual(errors, [])
})
