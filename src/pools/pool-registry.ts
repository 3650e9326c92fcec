/**
 * The primary and each replica as named pools on one registry (STYLE §4). Built from a
 * DatabaseConfig (the registry opens the pools and ends them on close) or from pools the caller
 * owns (the registry never ends those: close what you open, and nothing else).
 */
import type pg from 'pg'
import type { DatabaseConfig } from '../client/types.js'
import { gatewayError } from '../errors.js'
import { createPool } from './create-pool.js'

export type NodeRole = 'primary' | 'replica'

export interface PoolEntry {
  readonly name: string
  readonly role: NodeRole
  readonly pool: pg.Pool
}

export interface ExternalPools {
  primary: pg.Pool
  replicas: Array<{ name: string; pool: pg.Pool }>
}

/** Receives idle-client errors; without a handler, pg would crash the process on them. */
export type PoolErrorHandler = (node: string, err: Error) => void

export class PoolRegistry {
  readonly primary: pg.Pool
  readonly replicas: ReadonlyArray<{ readonly name: string; readonly pool: pg.Pool }>
  /** True when the registry created the pools and so ends them on close. */
  readonly owned: boolean
  private readonly entries: PoolEntry[]
  private readonly listeners = new Map<pg.Pool, (err: Error) => void>()
  private closing: Promise<void> | undefined

  private constructor (entries: PoolEntry[], owned: boolean, onError: PoolErrorHandler) {
    this.entries = entries
    this.owned = owned
    this.primary = (entries[0] as PoolEntry).pool
    this.replicas = entries.filter((e) => e.role === 'replica').map(({ name, pool }) => ({ name, pool }))
    for (const { name, pool } of entries) {
      const listener = (err: Error): void => { onError(name, err) }
      pool.on('error', listener)
      this.listeners.set(pool, listener)
    }
  }

  /** Opens one pool per URL: `primary`, then `replica0`, `replica1`, … in `readUrls` order. */
  static fromConfig (config: DatabaseConfig, onError: PoolErrorHandler): PoolRegistry {
    const entries: PoolEntry[] = [{ name: 'primary', role: 'primary', pool: createPool(config, config.primaryUrl, 'primary') }]
    config.readUrls.forEach((url, i) => {
      const name = `replica${i}`
      entries.push({ name, role: 'replica', pool: createPool(config, url, name) })
    })
    return new PoolRegistry(entries, true, onError)
  }

  /** Wraps pools owned by the caller; `close()` then only detaches the registry's listeners. */
  static fromPools (pools: ExternalPools, onError: PoolErrorHandler): PoolRegistry {
    const names = new Set(['primary'])
    const entries: PoolEntry[] = [{ name: 'primary', role: 'primary', pool: pools.primary }]
    for (const { name, pool } of pools.replicas) {
      if (names.has(name)) throw gatewayError('GW_ERR_CONFIG', `Duplicate pool name ${JSON.stringify(name)}`)
      names.add(name)
      entries.push({ name, role: 'replica', pool })
    }
    return new PoolRegistry(entries, false, onError)
  }

  get (name: string): pg.Pool | undefined {
    return this.entries.find((e) => e.name === name)?.pool
  }

  all (): PoolEntry[] {
    return [...this.entries]
  }

  names (): string[] {
    return this.entries.map((e) => e.name)
  }

  get closed (): boolean {
    return this.closing !== undefined
  }

  /** Idempotent; ends owned pools, and detaches listeners from borrowed ones. */
  close (): Promise<void> {
    this.closing ??= this.shutdown()
    return this.closing
  }

  private async shutdown (): Promise<void> {
    if (this.owned) await Promise.allSettled(this.entries.map((e) => e.pool.end()))
    // Listeners stay on owned pools until they have ended: a client error during shutdown is
    // still reported instead of crashing the process.
    for (const [pool, listener] of this.listeners) pool.off('error', listener)
    this.listeners.clear()
  }
}
