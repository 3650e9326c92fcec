/** Maintenance statements wait for their locks at most `lock_timeout`, then report and retry on the next run. */

/** SQLSTATE 55P03 lock_not_available: `lock_timeout` ran out (or NOWAIT). */
export function lockNotGranted (err: unknown): boolean {
  return (err as { code?: string } | null)?.code === '55P03'
}

export const retriedNextRun = (lockTimeoutMs: number): string => `lock not granted within lock_timeout (${lockTimeoutMs} ms); retried on the next run`
