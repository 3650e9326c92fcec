// Writes a snapshot into the page. Only textContent and element properties: query text, node
// names and error messages come from the server and are never parsed as HTML.

export const fmt = {
  rate: (v) => (v >= 100 ? v.toFixed(0) : v.toFixed(1)),
  ms: (v) => (v >= 100 ? `${v.toFixed(0)} ms` : v >= 10 ? `${v.toFixed(1)} ms` : `${v.toFixed(2)} ms`),
  pct: (v) => `${(v * 100).toFixed(1)} %`,
  int: (v) => Math.round(v).toLocaleString('en'),
  bytes: (v) => (v >= 1 << 20 ? `${(v / (1 << 20)).toFixed(1)} MiB` : v >= 1024 ? `${(v / 1024).toFixed(1)} KiB` : `${v} B`),
  time: (iso) => new Date(iso).toLocaleTimeString('en-GB')
}

function el (tag, props = {}, ...children) {
  const node = document.createElement(tag)
  for (const [k, v] of Object.entries(props)) {
    if (k === 'testid') node.dataset.testid = v
    else if (k === 'class') node.className = v
    else node[k] = v
  }
  for (const c of children) if (c !== null && c !== undefined) node.append(c)
  return node
}

/** Sets one tile: value text, the raw number (for tests and scripts), sub-line, level. */
function tile (id, value, text, sub = '', level = '') {
  const node = document.querySelector(`[data-testid="${id}"]`)
  if (!node) return
  node.querySelector('.value').textContent = text
  node.querySelector('.sub').textContent = sub
  node.dataset.value = value === null ? '' : String(value)
  node.dataset.level = level
}

const unavailableText = (section) => (section.status === 'error' ? section.message : 'not available on this gateway')

function renderTiles (m) {
  const q = m.queries
  const r = m.requests
  tile('tile-qps', q.qps, fmt.rate(q.qps), `${fmt.int(q.errors)} failed`)
  tile('tile-queries', q.total, fmt.int(q.total), `mean ${fmt.ms(q.avgTime)}`)
  tile('tile-p50', q.p50, fmt.ms(q.p50))
  tile('tile-p95', q.p95, fmt.ms(q.p95))
  tile('tile-p99', q.p99, fmt.ms(q.p99))
  tile('tile-rps', r.rps, fmt.rate(r.rps), `p50 ${fmt.ms(r.p50)} · p95 ${fmt.ms(r.p95)} · p99 ${fmt.ms(r.p99)}`)
  tile('tile-requests-total', r.total, fmt.int(r.total), 'HTTP requests answered')
  tile('tile-error-rate', r.errorRate, fmt.pct(r.errorRate), `${fmt.int(r.errors)} 5xx`, r.errorRate > 0.05 ? 'bad' : '')
  const c = m.cache
  tile('tile-hit-rate', c.hitRate, c.lookups === 0 ? '–' : fmt.pct(c.hitRate), `${fmt.int(c.hits)} hits / ${fmt.int(c.lookups)} lookups`)
  tile('tile-slow', q.slow, fmt.int(q.slow), 'over SLOW_QUERY_THRESHOLD', q.slow > 0 ? 'warn' : '')
  document.getElementById('covered').textContent = m.queries && m.windows?.['1m']
    ? `(${Math.round(m.windows['1m'].coveredSeconds)} of ${m.windows['1m'].seconds} s observed)`
    : ''
  document.getElementById('instance').textContent = m.instance ? `instance ${m.instance}` : ''
}

function clearTiles () {
  for (const id of ['tile-qps', 'tile-queries', 'tile-requests-total', 'tile-p50', 'tile-p95', 'tile-p99', 'tile-rps', 'tile-error-rate', 'tile-hit-rate', 'tile-slow']) tile(id, null, '–')
}

function renderPools (m) {
  const box = document.getElementById('pools')
  const pools = m?.connections?.pools ?? []
  if (pools.length === 0) return box.replaceChildren(el('p', { class: 'muted' }, m ? 'no pools' : 'not available'))
  box.replaceChildren(...pools.map((p) => {
    const bar = el('div', { class: 'meter-fill' })
    bar.style.width = `${Math.min(100, p.usage * 100).toFixed(1)}%`
    const meter = el('div', { class: 'meter', role: 'meter', ariaLabel: `${p.name} pool usage`, ariaValueMin: '0', ariaValueMax: '100', ariaValueNow: String(Math.round(p.usage * 100)) }, bar)
    const level = p.usage >= 0.8 || p.waiting > 0 ? 'bad' : p.usage >= 0.5 ? 'warn' : ''
    const node = el('div', { class: 'pool', testid: `pool-${p.name}` },
      el('div', { class: 'pool-head' }, el('strong', {}, p.name), el('span', { class: 'muted' }, p.role), el('span', { class: 'pool-usage' }, fmt.pct(p.usage))),
      meter,
      el('p', { class: 'sub' }, `${p.active} active · ${p.idle} idle · ${p.waiting} waiting · max ${p.max}`))
    node.dataset.value = String(p.usage)
    node.dataset.level = level
    return node
  }))
}

function renderReplicas (m, health) {
  const box = document.getElementById('replicas')
  const replicas = m?.replicas ?? (health?.status === 'ok' ? health.data.replicas : null)
  if (!replicas) return box.replaceChildren(el('p', { class: 'muted' }, 'not available'))
  if (replicas.length === 0) return box.replaceChildren(el('p', { class: 'muted' }, 'no replicas configured: reads go to the primary'))
  const rows = replicas.map((r) => {
    const row = el('tr', { testid: `replica-${r.name}` },
      el('th', { scope: 'row' }, r.name),
      el('td', {}, r.state),
      el('td', {}, r.up === false ? 'down' : r.up ? 'up' : '?'),
      el('td', { class: 'num' }, r.lagMs === null ? '–' : fmt.ms(r.lagMs)),
      el('td', { class: 'num' }, r.lagBytes === null ? '–' : fmt.bytes(r.lagBytes)))
    row.dataset.level = r.state === 'in-rotation' ? '' : 'bad'
    row.dataset.value = r.lagMs === null ? '' : String(r.lagMs)
    return row
  })
  box.replaceChildren(el('table', {},
    el('thead', {}, el('tr', {}, ...['replica', 'state', 'up', 'lag', 'behind'].map((h) => el('th', { scope: 'col' }, h)))),
    el('tbody', {}, ...rows)))
}

function renderHealth (section) {
  const box = document.getElementById('health')
  if (section.status !== 'ok') {
    tile('tile-health', null, '–', unavailableText(section), 'bad')
    return box.replaceChildren(el('p', { class: 'muted' }, unavailableText(section)))
  }
  const h = section.data
  const down = h.nodes.filter((n) => !n.up).map((n) => n.name)
  tile('tile-health', h.status, h.status, down.length > 0 ? `down: ${down.join(', ')}` : `${h.nodes.length} nodes up`,
    h.status === 'ok' ? 'good' : h.status === 'degraded' ? 'warn' : 'bad')
  box.replaceChildren(el('ul', { class: 'nodes' }, ...h.nodes.map((n) => {
    const li = el('li', { testid: `node-${n.name}` }, el('strong', {}, n.name), ` ${n.role} · `,
      n.up ? `up, ${n.latencyMs === null ? '?' : fmt.ms(n.latencyMs)}` : `down${n.error ? `: ${n.error}` : ''}`)
    li.dataset.level = n.up ? 'good' : 'bad'
    return li
  })))
}

function alertValue (a, v) {
  if (v === null || v === undefined) return '–'
  if (a.unit === 'ratio') return fmt.pct(v)
  if (a.unit === 'ms') return fmt.ms(v)
  if (a.unit === 'boolean') return v >= 1 ? 'yes' : 'no'
  return String(v)
}

/** The rules table stays open across snapshots once opened. */
let rulesOpen = false

function renderAlerts (section) {
  const box = document.getElementById('alerts')
  if (section.status !== 'ok') return box.replaceChildren(el('p', { class: 'muted', testid: 'alerts-unavailable' }, unavailableText(section)))
  const { enabled, rules, active } = section.data
  if (!enabled) return box.replaceChildren(el('p', { class: 'muted' }, 'alerting is off (MONITORING_ENABLED=false)'))
  const list = active.length === 0
    ? el('p', { testid: 'alerts-none' }, 'No active alerts.')
    : el('ul', { class: 'alerts' }, ...active.map((a) => {
      // A yes/no rule has nothing to compare: its state says it all.
      const reading = a.unit === 'boolean' ? '' : ` · ${alertValue(a, a.value)} (${a.comparison ?? 'threshold'} ${alertValue(a, a.threshold)})`
      const li = el('li', { testid: `alert-${a.rule}` }, el('strong', {}, a.rule), ` ${a.state}${reading}`, a.since ? ` since ${fmt.time(a.since)}` : '',
        el('br'), el('span', { class: 'muted' }, a.description))
      li.dataset.level = a.state === 'firing' ? 'bad' : 'warn'
      return li
    }))
  const rows = rules.map((r) => {
    const row = el('tr', { testid: `rule-${r.rule}` }, el('th', { scope: 'row' }, r.rule), el('td', {}, r.state),
      el('td', { class: 'num' }, alertValue(r, r.value)), el('td', { class: 'num' }, r.unit === 'boolean' ? 'yes' : `${r.comparison ?? ''} ${alertValue(r, r.threshold)}`))
    row.dataset.level = r.state === 'firing' ? 'bad' : r.state === 'pending' ? 'warn' : ''
    return row
  })
  const all = el('details', { class: 'rules', open: rulesOpen }, el('summary', {}, `All ${rules.length} rules`),
    el('table', {}, el('thead', {}, el('tr', {}, ...['rule', 'state', 'value', 'fires when'].map((h) => el('th', { scope: 'col' }, h)))),
      el('tbody', {}, ...rows)))
  all.addEventListener('toggle', () => { rulesOpen = all.open })
  box.replaceChildren(list, all)
}

/** Open plans survive the re-render of every snapshot. */
const openPlans = new Set()

function renderSlowQueries (section) {
  const box = document.getElementById('slow-queries')
  if (section.status !== 'ok') return box.replaceChildren(el('p', { class: 'muted', testid: 'slow-queries-unavailable' }, unavailableText(section)))
  if (section.data.length === 0) return box.replaceChildren(el('p', { class: 'muted' }, 'none over the threshold'))
  box.replaceChildren(...section.data.map((g) => {
    const details = el('details', { class: 'slow', testid: 'slow-query', open: openPlans.has(g.fingerprint) },
      el('summary', {}, el('code', { class: 'sql' }, g.query),
        el('span', { class: 'stats' }, `${fmt.int(g.count)}× · mean ${fmt.ms(g.meanMs)} · p95 ${fmt.ms(g.p95Ms)} · max ${fmt.ms(g.maxMs)}`)),
      el('p', { class: 'muted' }, `nodes ${g.nodes.join(', ') || '–'} · routes ${g.routes.join(', ') || '–'} · last ${fmt.time(g.lastSeen)}`),
      el('pre', { class: 'plan' }, g.plan === null ? 'no plan captured' : JSON.stringify(g.plan, null, 2)))
    details.addEventListener('toggle', () => { details.open ? openPlans.add(g.fingerprint) : openPlans.delete(g.fingerprint) })
    return details
  }))
}

const day = (iso) => (iso === null ? '–' : iso.slice(0, 10))

function renderPartitions (section) {
  const box = document.getElementById('partitions')
  if (section === undefined || section.status !== 'ok') return box.replaceChildren(el('p', { class: 'muted', testid: 'partitions-unavailable' }, section === undefined ? 'not available on this gateway' : unavailableText(section)))
  const head = el('tr', {}, ...['Table', 'Partitions', 'From', 'To', 'Rows in default', 'Retention', 'Last run'].map((h) => el('th', { scope: 'col' }, h)))
  const rows = section.data.map((t) => el('tr', { testid: 'partition-table' },
    el('th', { scope: 'row' }, t.table),
    el('td', {}, fmt.int(t.partitions)),
    el('td', {}, day(t.oldest)),
    el('td', {}, day(t.newest)),
    el('td', { class: t.defaultPartitionRows > 0 ? 'warn' : '' }, t.defaultPartitionRows === null ? '–' : fmt.int(t.defaultPartitionRows)),
    el('td', {}, t.retention ?? '–'),
    el('td', {}, t.lastRun ?? 'not run by this instance')))
  box.replaceChildren(el('table', { class: 'partitions' }, el('thead', {}, head), el('tbody', {}, ...rows)))
}

export function renderSnapshot (s) {
  const m = s.metrics.status === 'ok' && s.metrics.data.enabled ? s.metrics.data : null
  const notice = document.getElementById('metrics-unavailable')
  notice.hidden = m !== null
  notice.textContent = m !== null ? ''
    : s.metrics.status === 'ok' ? 'Monitoring is off on this gateway (MONITORING_ENABLED=false): only health is shown.'
      : `Metrics: ${unavailableText(s.metrics)}`
  if (m) renderTiles(m)
  else clearTiles()
  renderPools(m)
  renderReplicas(m, s.health)
  renderHealth(s.health)
  renderAlerts(s.alerts)
  renderSlowQueries(s.slowQueries)
  renderPartitions(s.partitions)
}
