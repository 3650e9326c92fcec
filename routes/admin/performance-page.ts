/**
 * `GET /admin/performance`: the dashboard page, and `GET /admin/performance/assets/:file` its
 * scripts and styles. Both are public: the page holds no data, only the login form and the shell;
 * the figures come from the bearer-protected stream and history routes.
 *
 * Assets are a fixed allow-list read once at registration (uPlot from node_modules), so nothing
 * from the URL ever reaches the filesystem, and the page works offline: no CDN, no external URL.
 */
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { errorResponses } from '../schemas.js'
import { CSS, JS, loadAsset, loadAssets, sendAsset } from '../static-assets.js'

const pageDir = fileURLToPath(new URL('../../src/monitoring/dashboard/', import.meta.url))
const uplotDir = path.join(path.dirname(createRequire(import.meta.url).resolve('uplot/package.json')), 'dist')

const allowList: Record<string, { file: string; type: string; maxAge: number }> = {
  'dashboard.js': { file: path.join(pageDir, 'dashboard.js'), type: JS, maxAge: 60 },
  'sse-reader.js': { file: path.join(pageDir, 'sse-reader.js'), type: JS, maxAge: 60 },
  'render.js': { file: path.join(pageDir, 'render.js'), type: JS, maxAge: 60 },
  'charts.js': { file: path.join(pageDir, 'charts.js'), type: JS, maxAge: 60 },
  'dashboard.css': { file: path.join(pageDir, 'dashboard.css'), type: CSS, maxAge: 60 },
  'favicon.svg': { file: path.join(pageDir, 'favicon.svg'), type: 'image/svg+xml', maxAge: 86_400 },
  'uPlot.iife.min.js': { file: path.join(uplotDir, 'uPlot.iife.min.js'), type: JS, maxAge: 86_400 },
  'uPlot.min.css': { file: path.join(uplotDir, 'uPlot.min.css'), type: CSS, maxAge: 86_400 }
}

/**
 * Same origin only, no inline script or style element, no framing. uPlot sizes its elements
 * through the CSSOM (`el.style.x = …`), which `style-src 'self'` does not block.
 */
export const DASHBOARD_CSP = [
  "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self'", "connect-src 'self'",
  "font-src 'self'", "object-src 'none'", "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'"
].join('; ')

const performancePage: FastifyPluginAsyncTypebox = async (app) => {
  const page = await loadAsset(path.join(pageDir, 'index.html'), 'text/html; charset=utf-8', 0)
  const assets = await loadAssets(allowList)

  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('x-content-type-options', 'nosniff').header('referrer-policy', 'no-referrer')
    return payload
  })

  app.get('/admin/performance', {
    schema: {
      tags: ['admin'],
      summary: 'Live performance dashboard (HTML). Public: the page holds no data; it asks for the admin token and reads the stream with it.',
      response: { 200: { description: 'the dashboard page', content: { 'text/html': { schema: Type.String() } } } }
    }
  }, async (_request, reply) => {
    return await reply
      .type(page.type)
      .header('content-security-policy', DASHBOARD_CSP)
      .header('x-frame-options', 'DENY')
      // The page is the app shell; a reload should pick up a new gateway's page at once.
      .header('cache-control', 'no-cache')
      .send(page.body as unknown as string)
  })

  app.get('/admin/performance/assets/:file', {
    schema: {
      tags: ['admin'],
      summary: 'The dashboard\'s scripts and styles (a fixed allow-list)',
      params: Type.Object({ file: Type.String({ maxLength: 64 }) }),
      response: { 200: { description: 'the asset', content: { '*/*': { schema: Type.String() } } }, 304: Type.Null({ description: 'not modified' }), 404: errorResponses[404] }
    }
  }, async (request, reply) => await sendAsset(assets, request.params.file, request.headers['if-none-match'], reply, 'dashboard'))
}

export default performancePage
