/**
 * Starting, stopping and cleaning up a PostgreSQL data folder with the embedded `pg_ctl`, as the
 * right OS user. `pg_ctl -w` waits on the postmaster.pid status line, so it also works for hot
 * standbys, which never log "ready to accept connections".
 */
import { spawn } from 'node:child_process'
import { existsSync, readFileSync, rmSync } from 'node:fs'
import fs from 'node:fs/promises'
import path from 'node:path'
import { pgBinaries } from './binaries.js'
import { asUser, type OsUser } from './os-user.js'

export type StopMode = 'smart' | 'fast' | 'immediate'

// English messages: callers match on them and put them in errors.
const childEnv = (): NodeJS.ProcessEnv => ({ ...process.env, LC_MESSAGES: 'C' })

export async function runPgCtl (args: string[], user: OsUser | undefined): Promise<string> {
  const { pgCtl } = await pgBinaries()
  return await new Promise((resolve, reject) => {
    // cwd '/': the postgres user may not be able to reach ours. Paths passed in are absolute.
    const child = spawn(pgCtl, args, { ...asUser(user), cwd: '/', env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString('utf8') })
    child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString('utf8') })
    child.once('error', reject)
    child.once('close', (code, signal) => {
      if (code === 0) resolve(output)
      else reject(new Error(`pg_ctl ${args.join(' ')} failed (${signal ?? `code ${String(code)}`}): ${output.trim()}`))
    })
  })
}

/** Last lines of a log file, for error messages. */
export async function logTail (file: string, lines = 30): Promise<string> {
  const text = await fs.readFile(file, 'utf8').catch(() => '')
  return text.trimEnd().split('\n').slice(-lines).join('\n')
}

export async function pgCtlStart (dataDir: string, logFile: string, user: OsUser | undefined, timeoutSec = 60): Promise<void> {
  try {
    await runPgCtl(['-D', dataDir, '-l', logFile, '-w', '-t', String(timeoutSec), 'start'], user)
  } catch (err) {
    throw new Error(`${(err as Error).message}\n--- ${logFile} ---\n${await logTail(logFile)}`)
  }
}

/** Stops the server of `dataDir` if one is running (a stale postmaster.pid counts as stopped). */
export async function pgCtlStop (dataDir: string, mode: StopMode, user: OsUser | undefined, timeoutSec = 60): Promise<void> {
  const pid = postmasterPid(dataDir)
  if (pid === undefined || !isPostgresProcess(pid)) return
  await runPgCtl(['-D', dataDir, '-m', mode, '-w', '-t', String(timeoutSec), 'stop'], user)
}

/** The postmaster's pid from `postmaster.pid`, if the file exists. */
export function postmasterPid (dataDir: string): number | undefined {
  try {
    const pid = Number(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0])
    return Number.isInteger(pid) && pid > 0 ? pid : undefined
  } catch {
    return undefined
  }
}

const hasProc = existsSync('/proc/self/stat')

/** Whether `pid` runs. A zombie does not: postmasters started by pg_ctl are reaped by init, late or never. */
export function isAlive (pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false
  }
  if (!hasProc) return true
  try {
    // Format: "pid (comm) state …"; comm may contain spaces and parentheses.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z'
  } catch {
    return false
  }
}

/** Whether `pid` is a live postgres process (not a recycled pid). */
export function isPostgresProcess (pid: number): boolean {
  if (!isAlive(pid)) return false
  if (!hasProc) return true
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('postgres')
  } catch {
    return false
  }
}

/**
 * A `postmaster.pid` left by a killed run whose process is gone blocks the next start: remove it.
 * Returns the pid when a postgres for this folder is still running.
 */
export function clearStalePostmasterPid (dataDir: string, log: (m: string) => void): number | undefined {
  const pid = postmasterPid(dataDir)
  if (pid === undefined) return undefined
  if (isPostgresProcess(pid)) return pid
  log(`removing stale ${path.join(dataDir, 'postmaster.pid')} (pid ${pid} is not running)`)
  rmSync(path.join(dataDir, 'postmaster.pid'), { force: true })
  return undefined
}

/** SIGQUIT (what `pg_ctl -m immediate` sends) to the postmaster of each data folder; their pids. */
export function quitPostmasters (dataDirs: readonly string[]): number[] {
  const pids: number[] = []
  for (const dir of dataDirs) {
    const pid = postmasterPid(dir)
    if (pid === undefined || !isPostgresProcess(pid)) continue
    try {
      process.kill(pid, 'SIGQUIT')
      pids.push(pid)
    } catch { /* already gone */ }
  }
  return pids
}

function killLeftovers (pids: readonly number[]): void {
  for (const pid of pids.filter(isAlive)) {
    try { process.kill(pid, 'SIGKILL') } catch { /* already gone */ }
  }
}

// A postmaster gives its children up to 5 s before it SIGKILLs them; stopping all servers at
// once and then waiting keeps that to 5 s in all, not per node.
const EXIT_WAIT_MS = 10_000

/** Immediate stop of several servers at once, waiting without blocking the event loop. */
export async function stopNow (dataDirs: readonly string[]): Promise<void> {
  const pids = quitPostmasters(dataDirs)
  const until = Date.now() + EXIT_WAIT_MS
  while (pids.some(isAlive) && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 20))
  killLeftovers(pids)
}

/** The same, blocking: for `exit` handlers, where nothing async runs any more. */
export function stopNowSync (dataDirs: readonly string[]): void {
  const pids = quitPostmasters(dataDirs)
  const until = Date.now() + EXIT_WAIT_MS
  const cell = new Int32Array(new SharedArrayBuffer(4))
  while (pids.some(isAlive) && Date.now() < until) Atomics.wait(cell, 0, 0, 20)
  killLeftovers(pids)
}
