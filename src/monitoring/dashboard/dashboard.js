// The dashboard: sign-in, the live stream, the history charts. Plain browser JS, no build step.
// The admin token lives in sessionStorage (this tab only, gone when it closes) and travels only
// as an Authorization header: never in a URL, never in localStorage.
import { readEventStream } from './sse-reader.js'
import { renderSnapshot, fmt } from './render.js'
import { lineChart, ring } from './charts.js'

const TOKEN_KEY = 'stellarrec.gateway.adminToken'
const STREAM_URL = '/admin/performance/stream'
const HISTORY_URL = '/admin/metrics/history?minutes=60'
const HISTORY_EVERY_MS = 60_000
const HISTORY_SPAN_S = 3600
/** The live charts keep 180 points: six minutes at the default 2 s interval. */
const LIVE_POINTS = 180
const LIVE_SPAN_S = 360
/** No byte (snapshot or heartbeat) for this long means a dead connection: reconnect. */
const SILENCE_MS = 45_000
const BACKOFF_MIN_MS = 1_000
const BACKOFF_MAX_MS = 30_000

const $ = (id) => document.getElementById(id)
// The status is a live region, so it changes only with the connection's state; the time of the
// last snapshot sits beside it, or a screen reader would announce every update.
const status = (text, level = '') => {
  const node = $('stream-status')
  if (node.textContent !== text) node.textContent = text
  node.dataset.level = level
  if (level !== 'good') updated(null)
}
const updated = (at) => {
  $('updated').textContent = at === null ? '' : `updated ${fmt.time(at)}`
  $('updated').dataset.at = at ?? ''
}
const sleep = (ms, signal) => new Promise((resolve) => {
  const t = setTimeout(resolve, ms)
  signal.addEventListener('abort', () => { clearTimeout(t); resolve() }, { once: true })
})

let session = null

function authHeaders (token) { return { authorization: `Bearer ${token}` } }

async function openStream (token, signal) {
  return await fetch(STREAM_URL, { headers: { ...authHeaders(token), accept: 'text/event-stream' }, cache: 'no-store', signal })
}

function showLogin (message) {
  $('dashboard').hidden = true
  $('login').hidden = false
  $('logout').hidden = true
  $('instance').textContent = ''
  const error = $('login-error')
  error.hidden = !message
  error.textContent = message ?? ''
  status('Signed out')
  $('token').focus()
}

function endSession (message) {
  session?.controller.abort()
  clearInterval(session?.historyTimer)
  session = null
  sessionStorage.removeItem(TOKEN_KEY)
  showLogin(message)
}

/** Checks the token by opening the stream with it; the open response then feeds the dashboard. */
async function signIn (token, { remembered }) {
  const controller = new AbortController()
  let response
  try {
    response = await openStream(token, controller.signal)
  } catch {
    return showLogin('Cannot reach the gateway')
  }
  if (response.status === 401) {
    if (remembered) sessionStorage.removeItem(TOKEN_KEY)
    return showLogin(remembered ? 'The saved admin token was rejected: sign in again' : 'Invalid admin token')
  }
  if (!response.ok) return showLogin(`The gateway answered ${response.status}`)
  sessionStorage.setItem(TOKEN_KEY, token)
  // A second sign-in (a double submit) replaces the first session rather than running beside it.
  session?.controller.abort()
  clearInterval(session?.historyTimer)
  $('token').value = ''
  $('login').hidden = true
  $('login-error').hidden = true
  $('dashboard').hidden = false
  $('logout').hidden = false
  session = { token, controller, charts: charts(), live: ring(LIVE_POINTS), historyTimer: undefined }
  session.historyTimer = setInterval(() => { void loadHistory(session) }, HISTORY_EVERY_MS)
  void loadHistory(session)
  void runStream(session, response)
}

/** Reads the stream until the session ends, reconnecting with exponential back-off and jitter. */
async function runStream (s, first) {
  let backoff = BACKOFF_MIN_MS
  let response = first
  const { signal } = s.controller
  while (!signal.aborted) {
    const connection = new AbortController()
    const stopConnection = () => connection.abort()
    signal.addEventListener('abort', stopConnection, { once: true })
    let watchdog
    const alive = () => { clearTimeout(watchdog); watchdog = setTimeout(stopConnection, SILENCE_MS) }
    try {
      response ??= await openStream(s.token, connection.signal)
      if (response.status === 401) return endSession('The admin token was rejected: sign in again')
      if (!response.ok) throw new Error(`HTTP ${response.status}`)
      status('Live', 'good')
      alive()
      await readEventStream(response.body, {
        onActivity: alive,
        onEvent: (ev) => {
          if (ev.event !== 'snapshot' || session !== s) return
          backoff = BACKOFF_MIN_MS
          const snapshot = JSON.parse(ev.data)
          renderSnapshot(snapshot)
          pushLive(s, snapshot)
          updated(snapshot.at)
        }
      })
    } catch {
      // A dropped connection, a silent one the watchdog cut, or the session ending: the loop decides.
    } finally {
      clearTimeout(watchdog)
      signal.removeEventListener('abort', stopConnection)
      response = undefined
    }
    if (signal.aborted) return
    const wait = backoff * (0.8 + Math.random() * 0.4)
    status(`Disconnected · retrying in ${Math.round(wait / 1000)} s`, 'bad')
    await sleep(wait, signal)
    backoff = Math.min(backoff * 2, BACKOFF_MAX_MS)
  }
}

function charts () {
  const figure = (id) => document.querySelector(`[data-testid="${id}"]`)
  const pct = (v) => `${v.toFixed(0)}%`
  const ms = (v) => `${+v.toFixed(2)}`
  const latency = [{ label: 'p50', color: '--c2' }, { label: 'p95', color: '--c1' }, { label: 'p99', color: '--c3' }]
  return {
    liveQps: lineChart(figure('chart-live-qps'), { series: [{ label: 'queries/s', color: '--c1' }, { label: 'requests/s', color: '--c2' }], height: 120, span: LIVE_SPAN_S, minSpan: 60 }),
    liveLatency: lineChart(figure('chart-live-latency'), { series: latency, format: ms, height: 120, span: LIVE_SPAN_S, minSpan: 60 }),
    liveHit: lineChart(figure('chart-live-hit-rate'), { series: [{ label: 'hit rate', color: '--c1' }], format: pct, range: [0, 100], height: 120, span: LIVE_SPAN_S, minSpan: 60 }),
    livePool: lineChart(figure('chart-live-pool'), { series: [{ label: 'busiest pool', color: '--c3' }], format: pct, range: [0, 100], height: 120, span: LIVE_SPAN_S, minSpan: 60 }),
    histQps: lineChart(figure('chart-history-qps'), { series: [{ label: 'queries/s', color: '--c1' }], span: HISTORY_SPAN_S }),
    histLatency: lineChart(figure('chart-history-latency'), { series: latency, format: ms, span: HISTORY_SPAN_S }),
    histHit: lineChart(figure('chart-history-hit-rate'), { series: [{ label: 'hit rate', color: '--c1' }], format: pct, range: [0, 100], span: HISTORY_SPAN_S }),
    histPool: lineChart(figure('chart-history-pool'), { series: [{ label: 'busiest pool', color: '--c3' }], format: pct, range: [0, 100], span: HISTORY_SPAN_S })
  }
}

function pushLive (s, snapshot) {
  if (snapshot.metrics.status !== 'ok' || !snapshot.metrics.data.enabled) return
  const m = snapshot.metrics.data
  s.live.push(Date.parse(snapshot.at) / 1000, [m.queries.qps, m.requests.rps, m.queries.p50, m.queries.p95, m.queries.p99,
    m.cache.lookups === 0 ? null : m.cache.hitRate * 100, Math.max(0, ...m.connections.pools.map((p) => p.usage)) * 100])
  const [t, qps, rps, p50, p95, p99, hit, pool] = s.live.columns(7)
  s.charts.liveQps.setData([t, qps, rps])
  s.charts.liveLatency.setData([t, p50, p95, p99])
  s.charts.liveHit.setData([t, hit])
  s.charts.livePool.setData([t, pool])
}

async function loadHistory (s) {
  const note = $('history-note')
  let response
  let points
  try {
    response = await fetch(HISTORY_URL, { headers: authHeaders(s.token), cache: 'no-store', signal: s.controller.signal })
    if (response.ok) points = (await response.json()).points
  } catch {
    if (!s.controller.signal.aborted) note.textContent = '(history could not be loaded; retrying in a minute)'
    return
  }
  if (session !== s) return
  if (response.status === 401) return endSession('The admin token was rejected: sign in again')
  if (response.status === 404) {
    note.textContent = '(history not available on this gateway)'
    return
  }
  if (!response.ok) {
    note.textContent = `(history: the gateway answered ${response.status})`
    return
  }
  const c = s.charts
  const col = (f) => points.map(f)
  const t = col((p) => Date.parse(p.minute) / 1000)
  c.histQps.setData([t, col((p) => p.qps)])
  c.histLatency.setData([t, col((p) => p.p50), col((p) => p.p95), col((p) => p.p99)])
  c.histHit.setData([t, col((p) => (p.cacheHits + p.cacheMisses === 0 ? null : p.hitRate * 100))])
  c.histPool.setData([t, col((p) => p.poolUsage * 100)])
  note.textContent = points.length === 0
    ? '(no per-minute roll-ups yet: the first is written a minute after start)'
    : `(${points.length} ${points.length === 1 ? 'minute' : 'minutes'} of roll-ups, refreshed every minute)`
  if (points.length === 0) for (const chart of [c.histQps, c.histLatency, c.histHit, c.histPool]) chart.setEmpty('no roll-ups yet')
}

$('login-form').addEventListener('submit', (event) => {
  event.preventDefault()
  const token = $('token').value.trim()
  if (token !== '') void signIn(token, { remembered: false })
})
$('logout').addEventListener('click', () => endSession())

const remembered = sessionStorage.getItem(TOKEN_KEY)
if (remembered) void signIn(remembered, { remembered: true })
else showLogin()
