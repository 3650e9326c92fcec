/**
 * `GET /admin/performance/stream`: the dashboard's live feed as server-sent events. Registered in
 * the admin scope (bearer token). A `snapshot` event goes out at once and then every `interval`
 * ms; a comment line every 15 s keeps the socket under the server's 30 s idle timeout when the
 * interval is long. The page reads it with fetch(), since EventSource cannot send the header.
 *
 * The body is a PassThrough handed to reply.send() rather than a hijacked reply, so the hooks,
 * headers and logging of the normal lifecycle still apply.
 * @see https://fastify.dev/docs/latest/Reference/Reply/#streams
 */
import { PassThrough } from 'node:stream'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { errorResponses } from '../schemas.js'
import { createSnapshotter } from '../../src/monitoring/dashboard-snapshot.js'
import { sseComment, sseEvent, sseRetry } from '../../src/monitoring/sse.js'
import { dashboardSources } from './dashboard-sources.js'

const DEFAULT_INTERVAL_MS = 2000
const HEARTBEAT_MS = 15_000
const RETRY_MS = 3_000
/** A client this far behind skips snapshots instead of growing the buffer. */
const MAX_BUFFERED_BYTES = 1 << 20

const performanceStream: FastifyPluginAsyncTypebox = async (app) => {
  const snapshotter = createSnapshotter(dashboardSources(app, { slowQueryLimit: 10, slowQueryWindowMinutes: 15 }), {
    onError: (section, err) => { app.log.warn({ err, section }, 'dashboard snapshot section failed') }
  })
  const open = new Set<() => void>()
  let closing = false
  // Open streams would hold server.close() until every dashboard went away; one a page reopens
  // on a kept-alive socket after this point ends at once.
  app.addHook('preClose', async () => {
    closing = true
    for (const stop of [...open]) stop()
  })

  app.get('/admin/performance/stream', {
    schema: {
      tags: ['admin'],
      summary: 'Live dashboard feed (server-sent events): `event: snapshot` with { at, metrics, slowQueries, alerts, health }',
      security: [{ bearerAuth: [] }],
      querystring: Type.Object({
        interval: Type.Optional(Type.Integer({ minimum: 500, maximum: 60_000, default: DEFAULT_INTERVAL_MS, description: 'milliseconds between snapshots (500 to 60000)' }))
      }, { additionalProperties: false }),
      response: {
        200: { description: 'an endless text/event-stream', content: { 'text/event-stream': { schema: Type.String() } } },
        400: errorResponses[400],
        401: errorResponses[400]
      }
    }
  }, async (request, reply) => {
    const interval = request.query.interval ?? DEFAULT_INTERVAL_MS
    const out = new PassThrough()
    let timer: NodeJS.Timeout | undefined
    let seq = 0
    let stopped = false
    const heartbeat = setInterval(() => { out.write(sseComment('keep-alive')) }, HEARTBEAT_MS).unref()
    const stop = (): void => {
      if (stopped) return
      stopped = true
      clearTimeout(timer)
      clearInterval(heartbeat)
      open.delete(stop)
      out.end()
    }
    open.add(stop)
    // Chained timeouts, not setInterval: a slow snapshot never queues another behind it.
    const tick = async (): Promise<void> => {
      try {
        const snapshot = await snapshotter.next()
        if (stopped) return
        if (out.writableLength < MAX_BUFFERED_BYTES) out.write(sseEvent('snapshot', snapshot, ++seq))
      } catch (err) {
        request.log.warn({ err }, 'dashboard snapshot failed')
      }
      if (!stopped) timer = setTimeout(() => { void tick() }, interval).unref()
    }
    request.raw.on('close', stop)
    reply.raw.on('close', stop)
    out.on('close', stop)
    out.write(sseRetry(RETRY_MS))
    if (closing) stop()
    else void tick()
    return await reply
      .header('content-type', 'text/event-stream; charset=utf-8')
      .header('cache-control', 'no-store')
      // Proxies such as nginx would otherwise buffer the stream and deliver it in bursts.
      .header('x-accel-buffering', 'no')
      // The declared 200 body is documentation: streams are not serialized, so the type cannot describe it.
      .send(out as unknown as string)
  })
}

export default performanceStream
