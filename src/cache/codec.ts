/**
 * Entry (de)serialization for Redis, with optional compression of the body.
 *
 * Codec choice, measured on real gateway responses by `load/cache-codecs.ts` (BENCHMARKS.md):
 * raw deflate at level 1 had the best ratio of the low levels (0.220 vs gzip-1 0.222, brotli-1
 * 0.234) and was the fastest both ways (≈430 MB/s in, ≈850 MB/s out); gzip-6 / brotli-4 save ~10%
 * more bytes at half the speed. Raw deflate skips gzip's header and CRC, which Redis does not need.
 * The codec is recorded in every entry, so entries written with another codec still decode.
 */
import zlib from 'node:zlib'

export type Codec = 'none' | 'gzip' | 'deflate' | 'br'
export const DEFAULT_CODEC: Codec = 'deflate'

const BR_FAST = { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 1, [zlib.constants.BROTLI_PARAM_MODE]: zlib.constants.BROTLI_MODE_TEXT } }

export function compress (data: Buffer, codec: Codec, level = 1): Buffer {
  switch (codec) {
    case 'gzip': return zlib.gzipSync(data, { level })
    case 'deflate': return zlib.deflateRawSync(data, { level })
    case 'br': return zlib.brotliCompressSync(data, level === 1 ? BR_FAST : { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: level } })
    case 'none': return data
  }
}

export function decompress (data: Buffer, codec: Codec): Buffer {
  switch (codec) {
    case 'gzip': return zlib.gunzipSync(data)
    case 'deflate': return zlib.inflateRawSync(data)
    case 'br': return zlib.brotliDecompressSync(data)
    case 'none': return data
  }
}

/** What an entry carries besides its body (see two-tier-cache.ts for the meaning of each field). */
export interface EntryMeta {
  tags: string[]
  /** Global invalidation generation when the read started (-1: unknown, Redis was unavailable). */
  gen: number
  /** Redis epoch when the read started ('' when unknown). */
  epoch: string
  created: number
  freshUntil: number
  staleUntil: number
  lsn?: string
  etag: string
  /** Opaque extra data of the caller (e.g. the response's content type). */
  extra?: Record<string, string>
}

export interface CacheEntry extends EntryMeta {
  body: string
  /** Local generation when the read started (meaningful in this process only). */
  local: number
  /** false: built but not stored (an invalidation overtook the read); never encoded. */
  stored?: boolean
}

/** [u32 header length][header JSON][body, maybe compressed]. */
export function encodeEntry (entry: CacheEntry, opts: { compress: boolean; threshold: number; codec?: Codec }): Buffer {
  const raw = Buffer.from(entry.body, 'utf8')
  const codec: Codec = opts.compress && raw.length > opts.threshold ? (opts.codec ?? DEFAULT_CODEC) : 'none'
  const body = compress(raw, codec)
  const { body: _b, local: _l, stored: _s, ...meta } = entry
  const header = Buffer.from(JSON.stringify({ ...meta, codec }), 'utf8')
  const len = Buffer.allocUnsafe(4)
  len.writeUInt32BE(header.length, 0)
  return Buffer.concat([len, header, body])
}

/** Undefined when the bytes are not an entry (a foreign key under our prefix, a truncated value). */
export function decodeEntry (buf: Buffer): { entry: Omit<CacheEntry, 'local'>; codec: Codec; storedBytes: number } | undefined {
  try {
    const n = buf.readUInt32BE(0)
    const meta = JSON.parse(buf.subarray(4, 4 + n).toString('utf8')) as EntryMeta & { codec: Codec }
    const body = decompress(buf.subarray(4 + n), meta.codec).toString('utf8')
    const { codec, ...rest } = meta
    return { entry: { ...rest, body }, codec, storedBytes: buf.length }
  } catch {
    return undefined
  }
}
