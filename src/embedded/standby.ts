/**
 * Makes streaming standbys of a running primary without pg_basebackup (the embedded binaries do
 * not ship it): a physical slot per standby, then a non-exclusive backup (pg_backup_start, copy the
 * data folder, pg_backup_stop) whose label file is written into each copy.
 * @see https://www.postgresql.org/docs/current/continuous-archiving.html#BACKUP-LOWLEVEL-BASE-BACKUP
 */
import { execFile } from 'node:child_process'
import fs from 'node:fs/promises'
import path from 'node:path'
import { promisify } from 'node:util'
import pg from 'pg'
import type { OsUser } from './os-user.js'

export interface StandbySpec {
  /** Also its replication slot and `application_name` on the primary: [a-z0-9_]. */
  readonly name: string
  readonly dataDir: string
  readonly port: number
}

export interface StandbyOptions {
  /** A superuser connection to the primary. */
  readonly primaryUrl: string
  readonly primaryDataDir: string
  readonly primaryPort: number
  readonly user: string
  readonly password: string
  readonly standbys: readonly StandbySpec[]
  readonly osUser: OsUser | undefined
}

// What pg_basebackup leaves out: runtime files and the contents of these top-level folders.
const skippedFiles = new Set(['postmaster.pid', 'postmaster.opts', 'pg_internal.init', 'backup_label',
  'tablespace_map', 'standby.signal', 'recovery.signal', 'backup_label.old', 'recovery.done'])
const emptiedDirs = new Set(['pg_wal', 'pg_replslot', 'pg_dynshmem', 'pg_notify', 'pg_serial',
  'pg_snapshots', 'pg_stat_tmp', 'pg_subtrans'])

const chown = async (target: string, owner: OsUser | undefined): Promise<void> => {
  if (owner !== undefined) await fs.lchown(target, owner.uid, owner.gid)
}

/**
 * Copies a data folder for `owner`, leaving out what pg_basebackup leaves out. `cp -a` (which keeps
 * the postgres owner when we are root) is several times faster than node's fs here; it fails when
 * a file vanishes mid-copy, and then the slower copy that tolerates that takes over.
 */
async function copyDataDir (from: string, to: string, owner: OsUser | undefined): Promise<void> {
  const top = (await fs.readdir(from)).filter((name) => !skippedFiles.has(name) && !emptiedDirs.has(name))
  await fs.mkdir(to, { mode: 0o700 })
  await chown(to, owner)
  try {
    await promisify(execFile)('cp', ['-a', '--', ...top.map((name) => path.join(from, name)), to])
    for (const dir of ['global', ...(await fs.readdir(path.join(to, 'base'))).map((db) => path.join('base', db))]) {
      await fs.rm(path.join(to, dir, 'pg_internal.init'), { force: true })
    }
  } catch {
    await fs.rm(to, { recursive: true, force: true })
    await copyTree(from, to, true, owner)
  }
  for (const name of emptiedDirs) {
    await fs.mkdir(path.join(to, name), { mode: 0o700 }).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST') throw err
    })
    await chown(path.join(to, name), owner)
  }
}

async function copyTree (from: string, to: string, top: boolean, owner: OsUser | undefined): Promise<void> {
  await fs.mkdir(to, { mode: 0o700 })
  await chown(to, owner)
  const entries = await fs.readdir(from, { withFileTypes: true })
  await Promise.all(entries.map(async (entry) => {
    if (skippedFiles.has(entry.name)) return
    const src = path.join(from, entry.name)
    const dst = path.join(to, entry.name)
    try {
      if (entry.isDirectory()) {
        if (!(top && emptiedDirs.has(entry.name))) await copyTree(src, dst, false, owner)
      } else if (entry.isSymbolicLink()) {
        await fs.symlink(await fs.readlink(src), dst)
        await chown(dst, owner)
      } else if (entry.isFile()) {
        await fs.copyFile(src, dst)
        await chown(dst, owner)
      }
    } catch (err) {
      // Files that vanish during the copy (temp files, dropped relations) are fine: WAL replay
      // from the backup's start recreates whatever matters.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
    }
  }))
}

const quote = (value: string): string => `'${value.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`

/** Creates the standbys' data folders; start each with its own `postgres`/`pg_ctl` afterwards. */
export async function createStandbys (opts: StandbyOptions): Promise<void> {
  const client = new pg.Client({ connectionString: opts.primaryUrl })
  // A dropped connection also rejects the pending query; unhandled, the event would crash us.
  client.on('error', () => {})
  await client.connect()
  try {
    for (const s of opts.standbys) {
      // Reserve WAL from now on, so everything from the backup's start stays until the standby streams it.
      await client.query('SELECT pg_create_physical_replication_slot($1, true)', [s.name])
    }
    await client.query('SELECT pg_backup_start($1, true)', ['standbys'])
    await Promise.all(opts.standbys.map(async (s) => {
      await fs.rm(s.dataDir, { recursive: true, force: true })
      await copyDataDir(opts.primaryDataDir, s.dataDir, opts.osUser)
    }))
    const { rows } = await client.query<{ labelfile: string, spcmapfile: string | null }>(
      'SELECT labelfile, spcmapfile FROM pg_backup_stop(false)')
    const stop = rows[0]
    if (stop === undefined) throw new Error('pg_backup_stop returned no row')
    const write = async (file: string, content: string): Promise<void> => {
      await fs.writeFile(file, content, { mode: 0o600 })
      await chown(file, opts.osUser)
    }
    for (const s of opts.standbys) {
      await fs.mkdir(path.join(s.dataDir, 'pg_wal', 'archive_status'), { mode: 0o700 })
      await chown(path.join(s.dataDir, 'pg_wal', 'archive_status'), opts.osUser)
      await write(path.join(s.dataDir, 'backup_label'), stop.labelfile)
      if (stop.spcmapfile !== null && stop.spcmapfile !== '') {
        await write(path.join(s.dataDir, 'tablespace_map'), stop.spcmapfile)
      }
      await write(path.join(s.dataDir, 'standby.signal'), '')
      const conninfo = `host=127.0.0.1 port=${opts.primaryPort} user=${opts.user} password=${opts.password} application_name=${s.name}`
      // postgresql.auto.conf is read last, so these win over the primary's copied settings.
      await fs.appendFile(path.join(s.dataDir, 'postgresql.auto.conf'), [
        '', `# standby ${s.name}`,
        `port = ${s.port}`,
        `primary_conninfo = ${quote(conninfo)}`,
        `primary_slot_name = ${quote(s.name)}`, ''
      ].join('\n'))
    }
  } finally {
    // Ending the session also aborts a backup left running by an error.
    await client.end()
  }
}
