// uPlot line charts (window.uPlot, loaded from the gateway's own copy of node_modules/uplot).
// Colours come from the page's CSS variables so the charts follow prefers-color-scheme.

const charts = new Set()

function cssVar (name) {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim()
}

function clock (seconds, withSeconds) {
  return new Date(seconds * 1000).toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit', ...(withSeconds ? { second: '2-digit' } : {}) })
}

function options (spec, width) {
  const text = cssVar('--muted')
  const grid = cssVar('--grid')
  const axis = (values, space) => ({ stroke: text, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 }, values, ...(space ? { space } : {}) })
  return {
    width,
    height: spec.height ?? 160,
    legend: { show: spec.legend ?? true },
    // Room on the right for the newest tick's label, which sits at the very edge.
    padding: [8, 28, 0, 0],
    cursor: { drag: { x: false, y: false } },
    // The axis ends at the newest point and covers at least minSpan, at most span seconds: one or
    // two points still sit on a readable axis, and a young live chart is not a sliver at the edge.
    scales: {
      x: {
        time: true,
        // From the data, not uPlot's min/max: for a single point uPlot widens max by a day.
        range: (u) => {
          const xs = u.data[0]
          const end = xs.length > 0 ? xs[xs.length - 1] : Date.now() / 1000
          const width = Math.min(spec.span, Math.max(spec.minSpan ?? spec.span, end - (xs[0] ?? end)))
          return [end - width, end]
        }
      },
      y: spec.range ? { range: spec.range } : { auto: true }
    },
    // Clock times only (24 h): uPlot's default adds a date row that collides on narrow charts.
    // Seconds only when the ticks are less than a minute apart (the labels stay short).
    // uPlot's steps jump from 1 to 5 minutes, which leaves a few minutes on a narrow chart with one
    // tick: add 2 minutes. Short HH:MM labels fit closer together than HH:MM:SS.
    axes: [{
      ...axis((_u, ticks, _axis, _space, incr) => ticks.map((t) => clock(t, incr < 60)),
        (_u, _axis, min, max) => (max - min > 150 ? 40 : 60)),
      incrs: [1, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 86400]
    }, axis(spec.format ? (_u, ticks) => ticks.map(spec.format) : undefined)],
    series: [{}, ...spec.series.map((s) => ({
      label: s.label,
      stroke: cssVar(s.color),
      width: 1.5,
      // Points only while a series is too short to draw a line.
      points: { show: (u) => u.data[0].length < 3, size: 5 },
      value: (_u, v) => (v === null || v === undefined ? '–' : (spec.format ? spec.format(v) : String(v)))
    }))]
  }
}

/**
 * A chart in `figure` (its `.plot` child). spec: { series: [{ label, color: '--css-var' }],
 * span and minSpan (seconds of x axis), format?, range?, height?, legend? }. Returns { setData([xs, ...ys]), setEmpty(message) }.
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
