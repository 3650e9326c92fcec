// uPlot line charts (window.uPlot, loaded from the gateway's own copy of node_modules/uplot).
// Colours come from the page's CSS variables so the charts follow prefers-color-scheme.

const charts = new Set()

function cssVar (name) {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim()
}

function options (spec, width) {
  const text = cssVar('--muted')
  const grid = cssVar('--grid')
  const axis = (values) => ({ stroke: text, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 }, values })
  return {
    width,
    height: spec.height ?? 160,
    legend: { show: spec.legend ?? true },
    cursor: { drag: { x: false, y: false } },
    scales: { x: { time: true }, y: spec.range ? { range: spec.range } : { auto: true } },
    axes: [axis(), axis(spec.format ? (_u, ticks) => ticks.map(spec.format) : undefined)],
    series: [{}, ...spec.series.map((s) => ({
      label: s.label,
      stroke: cssVar(s.color),
      width: 1.5,
      points: { show: false },
      value: (_u, v) => (v === null || v === undefined ? '–' : (spec.format ? spec.format(v) : String(v)))
    }))]
  }
}

/**
 * A chart in `figure` (its `.plot` child). spec: { series: [{ label, color: '--css-var' }],
 * format?, range?, height?, legend? }. Returns { setData([xs, ...ys]), setEmpty(message) }.
 */
export function lineChart (figure, spec) {
  // A second sign-in builds the charts again: drop the first session's chart on this figure.
  figure.chartEntry?.dispose()
  const plot = figure.querySelector('.plot')
  const empty = document.createElement('p')
  empty.className = 'chart-empty muted'
  empty.hidden = true
  figure.append(empty)
  let data = [[], ...spec.series.map(() => [])]
  let chart = null
  const build = () => {
    chart?.destroy()
    chart = new window.uPlot(options(spec, Math.max(plot.clientWidth, 200)), data, plot)
  }
  const entry = {
    rebuild: build,
    resize: () => chart?.setSize({ width: Math.max(plot.clientWidth, 200), height: spec.height ?? 160 }),
    setData (next) {
      data = next
      empty.hidden = true
      if (chart === null) build()
      else chart.setData(data)
    },
    setEmpty (message) {
      empty.textContent = message
      empty.hidden = false
    }
  }
  const observer = new ResizeObserver(() => entry.resize())
  entry.dispose = () => {
    observer.disconnect()
    chart?.destroy()
    empty.remove()
    charts.delete(entry)
  }
  charts.add(entry)
  figure.chartEntry = entry
  observer.observe(plot)
  build()
  return entry
}

/** Rebuilds every chart with the new scheme's colours. */
window.matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => {
  for (const c of charts) c.rebuild()
})

/** A bounded series of { t (seconds), values[] } for the live charts. */
export function ring (capacity) {
  const rows = []
  return {
    push (t, values) {
      rows.push([t, ...values])
      if (rows.length > capacity) rows.shift()
    },
    columns (count) {
      return Array.from({ length: count + 1 }, (_, i) => rows.map((r) => r[i]))
    },
    clear () { rows.length = 0 }
  }
}
