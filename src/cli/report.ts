/**
 * `npm run report [-- --period 24h] [--format md|json|html]`: the performance report from what the
 * gateway instances persisted in DATABASE_URL (minute roll-ups and slow queries of every
 * instance), printed to stdout. The command itself takes no part: monitoring is off in its client.
 */
import { OptimizedDatabaseClient } from '../client/optimized-database-client.js'
import { createDatabaseConfig } from '../config/database.js'
import { gatewayError } from '../errors.js'
import { parsePeriod, renderHtml, renderMarkdown } from '../monitoring/report.js'
import { createSlowQueryLog } from '../monitoring/slow-queries/index.js'

function option (name: string, fallback: string): string {
  const argv = process.argv.slice(2)
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === `--${name}`) return argv[i + 1] ?? fallback
    if (argv[i]!.startsWith(`--${name}=`)) return argv[i]!.slice(name.length + 3)
  }
  return fallback
}

/** SLOW_QUERY_THRESHOLD as the instances use it (pg_stat_statements entries are judged by it). */
function threshold (): number {
  const raw = process.env.SLOW_QUERY_THRESHOLD
  return raw !== undefined && /^\d+$/.test(raw) ? Number(raw) : 500
}

async function main (): Promise<void> {
  const url = process.env.DATABASE_URL
  if (url === undefined || url.trim() === '') {
    throw gatewayError('GW_ERR_CONFIG', 'DATABASE_URL is not set: export DATABASE_URL=postgres://user@host:5432/db')
  }
  const period = option('period', '24h')
  const format = option('format', 'md')
  if (parsePeriod(period) === undefined) throw gatewayError('GW_ERR_CONFIG', `--period must look like 15m, 1h, 24h or 7d, got ${JSON.stringify(period)}`)
  if (!['md', 'json', 'html'].includes(format)) throw gatewayError('GW_ERR_CONFIG', '--format must be one of md, json, html')
  const config = createDatabaseConfig({ url, readUrls: [], poolMin: 0, poolMax: 2, monitoring: false })
  const db = new OptimizedDatabaseClient(config)
  const cleanups: Array<() => Promise<void>> = []
  try {
    await db.connect()
    await db.monitor.persistTo(db.pools.primary)
    // Reads what the instances stored; never attached, so it records nothing of its own.
    const slow = createSlowQueryLog(db, { SLOW_QUERY_THRESHOLD: threshold(), SLOW_QUERY_PLANS: false, MONITORING_INSTANCE_ID: 'report-cli', METRICS_RETENTION_DAYS: 3650 })
    await slow.start()
    db.monitor.setSlowQuerySource(slow)
    cleanups.push(async () => { await slow.close() })
    const report = await db.generatePerformanceReport({ period })
    process.stdout.write(format === 'json' ? JSON.stringify(report, null, 2) + '\n' : format === 'html' ? renderHtml(report) : renderMarkdown(report))
  } finally {
    for (const c of cleanups) await c()
    await db.close()
  }
}

main().catch((err: unknown) => {
  console.error(`report failed: ${err instanceof Error ? err.message : String(err)}`)
  process.exitCode = 1
})
