/**
 * Real local receivers for alert notifications: an HTTP server recording every request (raw body
 * kept, for signature checks) and answering as told, and an SMTP server (smtp-server) recording mail.
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import type { TestContext } from 'node:test'
import { SMTPServer } from 'smtp-server'
import pg from 'pg'
import { AlertManager, alertSettingsFrom, type AlertManagerOptions } from '../../../src/monitoring/alerts/index.js'
import type { AlertRuleName, AlertSample } from '../../../src/monitoring/types.js'
import { loadConfig } from '../../../src/config/load.js'
import { testEnv } from '../../helpers/env.js'

export interface Received { path: string; headers: http.IncomingHttpHeaders; raw: string; json: any }

export interface Receiver {
  url: string
  port: number
  requests: Received[]
  /** Sets the answer for the next requests: status and body (default 200, "ok"). */
  respond: (fn: (req: Received, n: number) => { status: number; body?: string }) => void
  close: () => Promise<void>
}

export async function startReceiver (t: TestContext, port = 0): Promise<Receiver> {
  const requests: Received[] = []
  let answer: (req: Received, n: number) => { status: number; body?: string } = () => ({ status: 200, body: 'ok' })
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8')
      let json: unknown
      try { json = JSON.parse(raw) } catch { json = undefined }
      const r: Received = { path: req.url ?? '', headers: req.headers, raw, json }
      requests.push(r)
      const { status, body } = answer(r, requests.length)
      res.writeHead(status, { 'content-type': 'text/plain' }).end(body ?? '')
    })
  })
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
  const actual = (server.address() as AddressInfo).port
  let closed = false
  const close = async (): Promise<void> => {
    if (closed) return
    closed = true
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }
  t.after(close)
  return { url: `http://127.0.0.1:${actual}`, port: actual, requests, respond: (fn) => { answer = fn }, close }
}

/** A port nothing listens on (bound, then released). */
export async function freePort (): Promise<number> {
  const server = http.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

export interface Mail { from: string; to: string[]; raw: string }

export async function startSmtp (t: TestContext): Promise<{ url: string; mails: Mail[] }> {
  const mails: Mail[] = []
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData (stream, session, callback) {
      const chunks: Buffer[] = []
      stream.on('data', (c: Buffer) => chunks.push(c))
      stream.on('end', () => {
        mails.push({
          from: session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address,
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8')
        })
        callback()
      })
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.server.address() as AddressInfo
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())))
  return { url: `smtp://127.0.0.1:${port}`, mails }
}

/** A pool on the test primary, ended when the test ends. */
export function testPool (t: TestContext): pg.Pool {
  const pool = new pg.Pool({ connectionString: testEnv().primaryUrl, max: 4 })
  t.after(() => pool.end())
  return pool
}

/** Every alert table emptied: each test starts from no state, no history, no queue. */
export async function resetAlerts (pool: pg.Pool): Promise<void> {
  await pool.query('TRUNCATE gateway_alert_deliveries, gateway_alert_events, gateway_alert_state, gateway_alert_samples')
}

/** A mutable observation an engine samples: tests set `values` and evaluate. */
export function fakeSampler (instance: string): { values: AlertSample['values']; set: (rule: AlertRuleName, value: number | null, sample?: number) => void; sample: () => AlertSample } {
  const s = {
    values: {} as AlertSample['values'],
    set (rule: AlertRuleName, value: number | null, sample?: number) { s.values[rule] = sample === undefined ? { value } : { value, sample } },
    sample: (): AlertSample => ({ at: new Date().toISOString(), instance, values: { ...s.values } })
  }
  return s
}

/** An engine over the test primary configured by env (like the app), stopped when the test ends. */
export function testEngine (t: TestContext, opts: { pool: pg.Pool; env: Record<string, string>; instance: string; sample: AlertManagerOptions['sample']; clock?: () => number; retry?: AlertManagerOptions['retry'] }): AlertManager {
  const { config } = loadConfig({ env: { NODE_ENV: 'test', ALERT_FOR: '0', ALERT_KEEP_FIRING: '0', ...opts.env } })
  const engine = new AlertManager({
    pool: opts.pool,
    settings: alertSettingsFrom(config),
    sample: opts.sample,
    instance: opts.instance,
    logger: { warn: () => {}, error: () => {}, info: () => {}, debug: () => {} },
    ...(opts.clock ? { clock: opts.clock } : {}),
    retry: { baseMs: 20, capMs: 200, maxAttempts: 5, leaseMs: 5_000, ...opts.retry }
  })
  t.after(() => engine.stop())
  return engine
}

/** Polls `check` until it returns true (or throws after `ms`); receivers answer asynchronously. */
export async function until (check: () => boolean | Promise<boolean>, what: string, ms = 5_000): Promise<void> {
  const end = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}
