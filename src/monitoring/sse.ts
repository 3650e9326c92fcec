/**
 * Server-sent events framing (WHATWG HTML §9.2). JSON has no raw newlines, so one `data:` line
 * carries a whole payload; a comment line keeps proxies and the socket timeout from closing an idle
 * stream.
 * @see https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation
 */

export function sseEvent (event: string, data: unknown, id?: string | number): string {
  return `${id === undefined ? '' : `id: ${id}\n`}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`
}

export function sseComment (text: string): string {
  return `: ${text.replace(/[\r\n]+/g, ' ')}\n\n`
}

/** How long a client waits before reconnecting after the stream drops. */
export function sseRetry (ms: number): string {
  return `retry: ${Math.round(ms)}\n\n`
}
