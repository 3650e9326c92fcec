/**
 * One JSON POST with a timeout. Receivers are judged by status: 2xx is delivered; 408, 425, 429
 * and 5xx (and no answer at all) are retried; any other 4xx is permanent (the receiver would
 * refuse the same request again). Messages never carry the URL: webhook URLs embed their secret.
 */
import { DeliveryError } from '../types.js'

export const SEND_TIMEOUT_MS = 10_000

export async function postJson (url: string, body: string, headers: Record<string, string> = {}, timeoutMs = SEND_TIMEOUT_MS): Promise<void> {
  let res: Response
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'stellarrec-gateway-alerts/1', ...headers },
      body,
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'error'
    })
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } }
    const why = e.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (e.cause?.code ?? e.cause?.message ?? e.message)
    throw new DeliveryError(`request failed: ${why}`)
  }
  // Drain the body so the connection is reused; receivers' error texts help the operator.
  const text = (await res.text().catch(() => '')).slice(0, 200)
  if (res.ok) return
  const retry = res.status >= 500 || res.status === 408 || res.status === 425 || res.status === 429
  throw new DeliveryError(`HTTP ${res.status}${text === '' ? '' : `: ${text}`}`, !retry)
}
