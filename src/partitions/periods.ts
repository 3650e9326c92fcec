/** UTC month and day periods: partition names and bounds, computed here and nowhere else. */
export interface Period { name: string; from: Date; to: Date }

export function monthStart (t: Date, offset = 0): Date {
  return new Date(Date.UTC(t.getUTCFullYear(), t.getUTCMonth() + offset, 1))
}

export function dayStart (t: Date, offset = 0): Date {
  return new Date(Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), t.getUTCDate() + offset))
}

export function monthPeriod (table: string, start: Date): Period {
  const s = monthStart(start)
  return { name: `${table}_p${s.toISOString().slice(0, 7).replace('-', '')}`, from: s, to: monthStart(s, 1) }
}

export function dayPeriod (table: string, start: Date): Period {
  const s = dayStart(start)
  return { name: `${table}_p${s.toISOString().slice(0, 10).replaceAll('-', '')}`, from: s, to: dayStart(s, 1) }
}

/** `FOR VALUES FROM ('…') TO ('…')` of pg_get_expr(relpartbound); undefined for DEFAULT / hash. */
export function parseRangeBound (expr: string): { from: Date; to: Date } | undefined {
  const m = /FROM \('([^']+)'\) TO \('([^']+)'\)/.exec(expr)
  if (m === null) return undefined
  return { from: new Date(m[1]!), to: new Date(m[2]!) }
}
