// Reads a text/event-stream body from fetch(). EventSource cannot send an Authorization header,
// so the dashboard parses the stream itself (WHATWG HTML §9.2 event stream interpretation:
// `event:`, `data:` (joined by newlines), `id:`, `retry:`, `:` comments, a blank line dispatches).

/**
 * Calls onEvent({ event, data, id }) per dispatched event and onActivity() per chunk (comments
 * included, so a heartbeat proves the connection alive). Resolves when the stream ends.
 */
export async function readEventStream (body, { onEvent, onActivity, onRetry }) {
  const reader = body.getReader()
  const decoder = new TextDecoder()
  let buffer = ''
  let event = ''
  let data = []
  let id = ''
  const line = (text) => {
    if (text === '') {
      if (data.length > 0) onEvent({ event: event || 'message', data: data.join('\n'), id })
      event = ''
      data = []
      return
    }
    if (text.startsWith(':')) return
    const colon = text.indexOf(':')
    const field = colon === -1 ? text : text.slice(0, colon)
    let value = colon === -1 ? '' : text.slice(colon + 1)
    if (value.startsWith(' ')) value = value.slice(1)
    if (field === 'event') event = value
    else if (field === 'data') data.push(value)
    else if (field === 'id') id = value
    else if (field === 'retry' && /^\d+$/.test(value)) onRetry?.(Number(value))
  }
  try {
    for (;;) {
      const { value, done } = await reader.read()
      if (done) break
      onActivity?.()
      buffer += decoder.decode(value, { stream: true })
      // A chunk may end inside a line (or between \r and \n): keep the tail for the next one.
      const parts = buffer.split(/\r\n|\r(?!$)|\n/)
      buffer = parts.pop() ?? ''
      for (const part of parts) line(part)
    }
  } finally {
    reader.releaseLock()
  }
}
