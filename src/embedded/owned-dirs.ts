/**
 * Throw-away server folders (the test cluster): the process that creates one owns it and removes
 * it, with its servers, however it ends. An `owner.json` with the owner's pid lets the next run
 * clean up after a process that was SIGKILLed, without touching folders of runs still alive.
 */
import { readFileSync, readdirSync, rmSync, statSync } from 'node:fs'
import fs from 'node:fs/promises'
import path from 'node:path'
import { isAlive, stopNow, stopNowSync } from './pg-ctl.js'

export interface OwnedDir {
  readonly baseDir: string
  /** Data folders of the servers inside `baseDir`. */
  readonly dataDirs: readonly string[]
  /** Set on shutdown: a start still running checks it and gives up at its next step. */
  aborted: boolean
  /** Settles when the start that fills this folder has finished or failed. */
  settled: Promise<void>
}

// Process-wide by nature: the exit and signal handlers act on every folder this process owns.
const owned = new Set<OwnedDir>()
let exitHandlersInstalled = false
let signalHandlersInstalled = false

function removeSync (dir: string): void {
  try {
    rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 })
  } catch (err) {
    console.error(`could not remove ${dir}: ${(err as Error).message}`)
  }
}

/** Blocking teardown, for `exit` handlers (nothing async runs there). */
export function destroyOwnedSync (dir: OwnedDir): void {
  owned.delete(dir)
  stopNowSync(dir.dataDirs)
  removeSync(dir.baseDir)
}

/** Immediate stop of its servers, then removal; waits for a start in progress to give up. */
export async function destroyOwned (dir: OwnedDir): Promise<void> {
  dir.aborted = true
  await stopNow(dir.dataDirs)
  let timer: NodeJS.Timeout | undefined
  await Promise.race([dir.settled, new Promise((resolve) => { timer = setTimeout(resolve, 15_000) })])
  clearTimeout(timer)
  // A server the start launched while we waited.
  await stopNow(dir.dataDirs)
  await fs.rm(dir.baseDir, { recursive: true, force: true, maxRetries: 5 })
    .catch((err: Error) => console.error(`could not remove ${dir.baseDir}: ${err.message}`))
  owned.delete(dir)
}

/** Everything this process owns, without blocking the event loop (signal handlers). */
export async function destroyAllOwned (): Promise<void> {
  await Promise.all([...owned].map(destroyOwned))
}

function installExitHandlers (): void {
  if (exitHandlersInstalled) return
  exitHandlersInstalled = true
  // Last resort for any exit without a stop: process.exit(), a failed start, a crash.
  process.on('exit', () => { for (const dir of [...owned]) destroyOwnedSync(dir) })
  process.on('uncaughtException', (err) => {
    console.error(err)
    for (const dir of [...owned]) destroyOwnedSync(dir)
    process.exit(1)
  })
}

/** On SIGINT/SIGTERM/SIGHUP: tear down everything owned, then exit 128+n. */
export function destroyOwnedOnSignals (): void {
  if (signalHandlersInstalled) return
  signalHandlersInstalled = true
  let exiting = false
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]] as const) {
    process.on(signal, () => {
      if (exiting) return
      exiting = true
      // Async on purpose: a parent like tsx SIGKILLs a child whose event loop does not answer
      // its signal relay within 30 ms, which would leave postgres running.
      void destroyAllOwned().finally(() => process.exit(code))
    })
  }
}

/** Creates `baseDir`, records this process as its owner, and tears it down at exit. */
export async function ownDir (baseDir: string, dataDirs: readonly string[]): Promise<OwnedDir> {
  await fs.mkdir(baseDir, { recursive: true })
  await fs.writeFile(path.join(baseDir, 'owner.json'), JSON.stringify({ pid: process.pid }))
  const dir: OwnedDir = { baseDir, dataDirs, aborted: false, settled: Promise.resolve() }
  owned.add(dir)
  installExitHandlers()
  return dir
}

/** Removes the folders under `root` whose owner process is gone, stopping their servers first. */
export function removeStaleDirs (root: string): void {
  let entries: string[]
  try { entries = readdirSync(root) } catch { return }
  for (const entry of entries) {
    const dir = path.join(root, entry)
    let ownerPid: number | undefined
    try {
      ownerPid = (JSON.parse(readFileSync(path.join(dir, 'owner.json'), 'utf8')) as { pid?: number }).pid
    } catch { /* no owner recorded */ }
    if (ownerPid !== undefined && isAlive(ownerPid)) continue
    try {
      // A folder without owner.json may be one another run is creating right now.
      if (ownerPid === undefined && Date.now() - statSync(dir).mtimeMs < 60_000) continue
      stopNowSync(readdirSync(dir).map((name) => path.join(dir, name)))
    } catch {
      continue
    }
    removeSync(dir)
  }
}
