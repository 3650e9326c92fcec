/**
 * `npm run db:seed -- [--scale N] [--reset] [--progress|--no-progress]`: fills DATABASE_URL (unset: the
 * embedded database) with generated data (scale 1 ≈ 100k users). The schema must be migrated first (`npm run db:migrate`).
 */
import { parseArgs } from 'node:util'
import { gatewayError } from '../errors.js'
import { maskUrl } from '../config/database.js'
import { cliDatabase } from './database-url.js'
import { seed } from '../db/seed.js'

async function main (): Promise<void> {
  const { values } = parseArgs({
    options: {
      scale: { type: 'string', default: '1' },
      reset: { type: 'boolean', default: false },
      progress: { type: 'boolean' },
      'no-progress': { type: 'boolean' }
    },
    strict: true
  })
  const scale = Number(values.scale)
  if (!Number.isFinite(scale) || scale <= 0) {
    throw gatewayError('GW_ERR_VALIDATION', `--scale must be a positive number, got "${values.scale}"`)
  }
  const db = await cliDatabase((m) => console.log(m))
  const url = db.url
  try {
    const progress = values['no-progress'] === true ? false : values.progress ?? process.stderr.isTTY === true
    console.log(`seeding ${maskUrl(url)} at scale ${scale}`)
    const summary = await seed(url, { scale, reset: values.reset, progress, log: (msg) => console.log(msg) })
    console.table(summary.counts)
    console.log(`done in ${(summary.durationMs / 1000).toFixed(1)} s`)
  } finally {
    await db.release()
  }
}

main().catch((err: unknown) => {
  console.error(`db:seed failed: ${err instanceof Error ? err.message : String(err)}`)
  process.exitCode = 1
})
