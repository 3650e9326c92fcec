/** Parent side of the server child (serve.ts): spawn it, wait for its URLs, read its counters, stop it. */
import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import type { ServeOptions, TargetName } from './targets.js'

export interface Servers {
  urls: Partial<Record<TargetName, string>>
  /** SQL statements each target has run so far. */
  sqlCounts (): Promise<Partial<Record<TargetName, number>>>
  stop (): Promise<void>
}

const SERVE = fileURLToPath(new URL('./serve.ts', import.meta.url))

export async function startServers (opts: ServeOptions): Promise<Servers> {
  const child = spawn(process.execPath, ['--import', 'tsx', SERVE], {
    env: { ...process.env, BENCH_SERVE: JSON.stringify(opts) }, stdio: ['pipe', 'pipe', 'inherit']
  })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const ready = await new Promise<{ urls: Servers['urls']; control: string }>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', (line) => resolve(JSON.parse(line)))
    child.once('exit', (code) => reject(new Error(`the server process exited with ${code} before it was ready`)))
  })
  return {
    urls: ready.urls,
    sqlCounts: async () => ((await (await fetch(`${ready.control}/`)).json()) as { sql: Partial<Record<TargetName, number>> }).sql,
    stop: async () => {
      if (child.exitCode !== null) return
      child.stdin!.end()
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
      await exited
      clearTimeout(timer)
    }
  }
}
