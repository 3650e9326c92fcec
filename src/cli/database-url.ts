/**
 * The database a CLI (`db:migrate`, `db:seed`) works on: DATABASE_URL, else the embedded one —
 * the running gateway's when `npm start` owns it, else started for the command and stopped after.
 */
import { runningEmbeddedUrl, startEmbeddedPostgres } from '../embedded/index.js'

export interface CliDatabase { url: string; embedded: boolean; release: () => Promise<void> }

export async function cliDatabase (log: (m: string) => void): Promise<CliDatabase> {
  const url = process.env.DATABASE_URL
  if (url !== undefined && url.trim() !== '') return { url, embedded: false, release: async () => {} }
  const running = runningEmbeddedUrl()
  if (running !== undefined) {
    log('DATABASE_URL is not set: using the embedded PostgreSQL of the running gateway (./.data)')
    return { url: running, embedded: true, release: async () => {} }
  }
  log('DATABASE_URL is not set: starting the embedded PostgreSQL in ./.data for this command')
  const db = await startEmbeddedPostgres({ log })
  return { url: db.url, embedded: true, release: db.stop }
}
