/**
 * Consistency tokens (SPEC §6 Read-your-writes): an opaque, tamper-evident carrier of the primary's
 * WAL position after a write. `c1.` + base64url(8-byte LSN ‖ first 16 bytes of HMAC-SHA256(secret,
 * "c1" ‖ LSN)). Any gateway sharing CONSISTENCY_TOKEN_SECRET accepts another's tokens; without a
 * configured secret each process makes its own (tokens then only hold within that process).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import { gatewayError } from '../errors.js'
import { formatLsn, parseLsn } from '../replicas/lsn.js'

const VERSION = 'c1'
const MAC_BYTES = 16
const TOKEN = /^c1\.([A-Za-z0-9_-]{32})$/

export class TokenCodec {
  private readonly key: Buffer

  constructor (secret?: string) {
    this.key = secret === undefined || secret === '' ? randomBytes(32) : Buffer.from(secret, 'utf8')
  }

  encode (lsn: string): string {
    const value = parseLsn(lsn)
    if (value === undefined) throw gatewayError('GW_ERR_INTERNAL', 'A consistency token needs a WAL position')
    const body = Buffer.alloc(8)
    body.writeBigUInt64BE(value)
    return `${VERSION}.${Buffer.concat([body, this.mac(body)]).toString('base64url')}`
  }

  /** The WAL position in a token; GW_ERR_INVALID_CONSISTENCY_TOKEN (400) when malformed or forged. */
  decode (token: string): string {
    const m = TOKEN.exec(token.trim())
    if (m === null) throw invalid('X-Consistency-Token is malformed')
    const raw = Buffer.from(m[1] as string, 'base64url')
    if (raw.length !== 8 + MAC_BYTES) throw invalid('X-Consistency-Token is malformed')
    const body = raw.subarray(0, 8)
    if (!timingSafeEqual(raw.subarray(8), this.mac(body))) throw invalid('X-Consistency-Token was not issued by this gateway')
    return formatLsn(body.readBigUInt64BE())
  }

  private mac (body: Buffer): Buffer {
    return createHmac('sha256', this.key).update(VERSION).update(body).digest().subarray(0, MAC_BYTES)
  }
}

export function invalid (message: string): Error {
  return gatewayError('GW_ERR_INVALID_CONSISTENCY_TOKEN', message)
}
