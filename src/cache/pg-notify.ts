/**
 * Invalidation for writes made outside the gateway (CACHE_DB_NOTIFY): LISTEN on the primary for
 * the notifications of sql/005.do.cache_notify.sql and invalidate the matching tags. After a lost
 * connection every table is invalidated once (notifications sent meanwhile are gone), then it
 * listens again.
 */
import pg from 'pg'
import { modelNames } from '../models/registry.js'
import { allRowsTag, modelOfTable, modelWideTags, rowTag } from './keys.js'

export const NOTIFY_CHANNEL = 'gateway_cache'

interface Log { warn: (obj: object, msg: string) => void }

/** Tags of one notification payload ({"t": table, "ids": [..] | null}); [] when not ours. */
export function tagsOfNotification (payload: string): string[] {
  try {
    const msg = JSON.parse(payload) as { t?: string; ids?: number[] | null }
    const model = msg.t === undefined ? undefined : modelOfTable(msg.t)
    if (!model) return []
    // Without ids (a statement past 100 rows) every row of the table may have changed.
    // The payload names no parent keys: every keyed list of the table.
    if (!msg.ids) return modelWideTags(model)
    return [...modelWideTags(model).filter((t) => t !== allRowsTag(model)), ...msg.ids.map((id) => rowTag(model, id))]
  } catch {
    return []
  }
}

export class DbChangeListener {
  private client: pg.Client | undefined
  private stopped = false
  private retry: NodeJS.Timeout | undefined
  private connectedOnce = false

  constructor (private readonly url: string, private readonly onTags: (tags: string[]) => Promise<void>, private readonly log: Log) {}

  async start (): Promise<void> {
    await this.connect()
  }

  async stop (): Promise<void> {
    this.stopped = true
    clearTimeout(this.retry)
    const c = this.client
    this.client = undefined
    await c?.end().catch(() => {})
  }

  /**
   * The triggers start disabled (sql/006): they cost every writer a commit-time lock. Enabled
   * once listening; a brief lock_timeout so start-up never queues behind traffic (retried on the
   * next reconnect).
   */
  private async enableTriggers (client: pg.Client): Promise<void> {
    try {
      await client.query("SET lock_timeout = '2s'")
      await client.query('SELECT gateway_cache_notify_triggers(true)')
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'cache: could not enable the change-notification triggers (sql/006); writes made outside the gateway may not be seen')
    }
  }

  private async connect (): Promise<void> {
    if (this.stopped) return
    const client = new pg.Client({ connectionString: this.url, application_name: 'gateway-cache-listener' })
    client.on('notification', (n) => {
      if (n.channel !== NOTIFY_CHANNEL || !n.payload) return
      const tags = tagsOfNotification(n.payload)
      if (tags.length > 0) this.onTags(tags).catch((err: Error) => this.log.warn({ err: err.message }, 'cache invalidation from a database notification failed'))
    })
    client.on('error', () => this.reconnect(client))
    client.on('end', () => this.reconnect(client))
    try {
      await client.connect()
      await client.query(`LISTEN ${NOTIFY_CHANNEL}`)
      // stop() ran while this connection was being set up: it could not see it, so close it here.
      if (this.stopped) {
        await client.end().catch(() => {})
        return
      }
      this.client = client
      await this.enableTriggers(client)
      if (this.connectedOnce) await this.onTags(modelNames.flatMap(modelWideTags))
      this.connectedOnce = true
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'cache: LISTEN on the primary failed; retrying')
      this.reconnect(client)
    }
  }

  private reconnect (client: pg.Client): void {
    if (this.stopped) {
      client.end().catch(() => {})
      return
    }
    if (this.retry) return
    if (this.client === client) this.client = undefined
    client.end().catch(() => {})
    this.retry = setTimeout(() => {
      this.retry = undefined
      void this.connect()
    }, 1_000)
    this.retry.unref()
  }
}
