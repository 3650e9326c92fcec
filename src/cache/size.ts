/** '64mb', '512kb', '1gb', '67108864' → bytes (CACHE_MAX_MEMORY is validated by the config schema). */
export function parseSize (text: string | number): number {
  if (typeof text === 'number') return text
  const m = /^(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?$/i.exec(text.trim())
  if (!m) return 64 * 1024 * 1024
  const unit = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 }[(m[2] ?? 'b').toLowerCase() as 'b']
  return Math.round(Number(m[1]) * unit)
}
