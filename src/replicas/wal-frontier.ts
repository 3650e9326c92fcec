/**
 * How far the cluster's WAL has got, over time, as seen by the gateway's own clock: one sample per
 * health round where the frontier moved. A replica's time lag is how long ago the frontier first
 * passed the replica's replay position — zero when replay has caught up (an idle primary never makes
 * a replica look lagged), growing while replay is stalled and WAL keeps arriving. No clocks of
 * different servers are compared, unlike `now() - pg_last_xact_replay_timestamp()`.
 */
import { formatLsn, parseLsn } from './lsn.js'

interface Sample { at: number; lsn: bigint }

export class WalFrontier {
  private readonly samples: Sample[] = []

  /** @param horizonMs samples older than this are dropped (lag past it is reported as at least it). */
  constructor (private readonly horizonMs: number) {}

  /** Records the frontier seen at `at` (ignored unless it moved forward). */
  record (at: number, lsnText: string | undefined): void {
    const lsn = parseLsn(lsnText)
    if (lsn === undefined) return
    const last = this.samples.at(-1)
    if (last !== undefined && lsn <= last.lsn) return
    this.samples.push({ at, lsn })
    // Keep one sample older than the horizon so a lag past the horizon still has a start.
    while (this.samples.length > 2 && (this.samples[1] as Sample).at < at - this.horizonMs) this.samples.shift()
  }

  latest (): string | undefined {
    const last = this.samples.at(-1)
    return last === undefined ? undefined : formatLsn(last.lsn)
  }

  /** Bytes of WAL the frontier is ahead of `replay` (0 when unknown or caught up). */
  lagBytes (replayText: string | undefined): number {
    const replay = parseLsn(replayText)
    const last = this.samples.at(-1)
    if (replay === undefined || last === undefined || replay >= last.lsn) return 0
    return Number(last.lsn - replay)
  }

  /** Milliseconds since the frontier first passed `replay`; 0 when replay has caught up. */
  lagMs (replayText: string | undefined, now: number): number {
    const replay = parseLsn(replayText)
    const last = this.samples.at(-1)
    if (replay === undefined || last === undefined || replay >= last.lsn) return 0
    const firstAhead = this.samples.find((s) => s.lsn > replay) as Sample
    return Math.max(0, now - firstAhead.at)
  }
}
