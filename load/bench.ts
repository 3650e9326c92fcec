/**
 * `npm run bench`: runs every load/*-bench.ts in turn, each in its own process (each starts and
 * stops its own servers), passing the command-line options through.
 */
import { spawnSync } from 'node:child_process'
import { readdirSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const dir = path.dirname(fileURLToPath(import.meta.url))
const benches = readdirSync(dir).filter((f) => f.endsWith('-bench.ts')).sort()
let failed = 0
for (const file of benches) {
  console.log(`\n=== ${file} ===`)
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(dir, file), ...process.argv.slice(2)], { stdio: 'inherit' })
  if (r.status !== 0) failed++
}
process.exit(failed === 0 ? 0 : 1)
