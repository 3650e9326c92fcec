/**
 * A token is only meaningful if the primary has reached its position. One from the future (a
 * restored or failed-over primary that lost WAL, or a token minted with the secret elsewhere) is
 * refused with 400 rather than making every read wait for a position that may never come.
 */
import { lsnReached } from '../replicas/lsn.js'
import { invalid } from './token.js'

export interface LsnSource {
  /** The highest position known committed, without a round trip. */
  lastKnownLsn (): string | undefined
  /** Asks the primary (undefined when it does not answer). */
  primaryInsertLsn (): Promise<string | undefined>
}

/**
 * Resolves when `lsn` is not beyond the primary; rejects with GW_ERR_INVALID_CONSISTENCY_TOKEN when
 * it is. With the primary unreachable the token is accepted: reads then need a replica that has
 * replayed it, which proves it was real.
 */
export async function assertNotFromFuture (lsn: string, source: LsnSource): Promise<void> {
  if (lsnReached(source.lastKnownLsn(), lsn)) return
  const primary = await source.primaryInsertLsn()
  if (primary === undefined || lsnReached(primary, lsn)) return
  throw invalid('X-Consistency-Token is ahead of the primary (from the future)')
}
