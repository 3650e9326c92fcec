/**
 * The server child of the load suite: builds the targets (BENCH_SERVE: JSON ServeOptions), plus a
 * control endpoint for the SQL statement counters, and prints `{ urls, control }` as one line.
 * Runs until its parent closes stdin or sends SIGTERM.
 */
import http from 'node:http'
import { serve, type Counters, type ServeOptions } from './targets.js'

async function main (): Promise<void> {
  const opts = JSON.parse(process.env.BENCH_SERVE ?? '{}') as ServeOptions
  const counters: Counters = {}
  const served = await serve(opts, counters)
  const control = http.createServer((_req, res) => {
    const sql: Record<string, number> = {}
    for (const [name, c] of Object.entries(counters)) sql[name] = c.count
    res.setHeader('content-type', 'application/json')
    res.end(JSON.stringify({ sql }))
  })
  await new Promise<void>((resolve) => control.listen(0, '127.0.0.1', resolve))
  const { port } = control.address() as { port: number }
  let closing = false
  const shutdown = async (): Promise<void> => {
    if (closing) return
    closing = true
    control.close()
    await served.close()
    process.exit(0)
  }
  process.on('SIGTERM', () => { void shutdown() })
  process.stdin.on('end', () => { void shutdown() })
  process.stdin.resume()
  process.stdout.write(JSON.stringify({ urls: served.urls, control: `http://127.0.0.1:${port}` }) + '\n')
}

main().catch((err: unknown) => { console.error(err); process.exit(1) })
