/**
 * GraphiQL at `/graphiql` outside production, served entirely by the gateway: the page, our init
 * script and the UMD builds of React, ReactDOM and GraphiQL from node_modules (mercurius' own IDE
 * loads them from unpkg, a blank page offline). A fixed allow-list read once at registration:
 * nothing from the URL reaches the filesystem.
 */
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { CSS, JS, loadAsset, loadAssets, sendAsset } from './static-assets.js'

const pageDir = fileURLToPath(new URL('../src/graphiql/', import.meta.url))
const require = createRequire(import.meta.url)
const pkgDir = (name: string): string => path.dirname(require.resolve(`${name}/package.json`))

const DAY = 86_400
const allowList = {
  'graphiql-init.js': { file: path.join(pageDir, 'graphiql-init.js'), type: JS, maxAge: 60 },
  'graphiql-page.css': { file: path.join(pageDir, 'graphiql-page.css'), type: CSS, maxAge: 60 },
  'react.production.min.js': { file: path.join(pkgDir('react'), 'umd/react.production.min.js'), type: JS, maxAge: DAY },
  'react-dom.production.min.js': { file: path.join(pkgDir('react-dom'), 'umd/react-dom.production.min.js'), type: JS, maxAge: DAY },
  'graphiql.min.js': { file: path.join(pkgDir('graphiql'), 'graphiql.min.js'), type: JS, maxAge: DAY },
  'graphiql.min.css': { file: path.join(pkgDir('graphiql'), 'graphiql.min.css'), type: CSS, maxAge: DAY }
}

/** Same origin only. GraphiQL's editors set inline styles and its icons are data: URLs. */
const CSP = [
  "default-src 'self'", "script-src 'self'", "style-src 'self' 'unsafe-inline'", "img-src 'self' data:", "font-src 'self' data:",
  "connect-src 'self'", "worker-src 'self' blob:", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"
].join('; ')

const graphiql: FastifyPluginAsyncTypebox = async (app) => {
  const page = await loadAsset(path.join(pageDir, 'index.html'), 'text/html; charset=utf-8', 0)
  const assets = await loadAssets(allowList)

  app.get('/graphiql', { schema: { hide: true } }, async (_request, reply) => await reply
    .type(page.type).header('content-security-policy', CSP).header('x-frame-options', 'DENY')
    .header('cache-control', 'no-cache').send(page.body))

  app.get('/graphiql/assets/:file', {
    schema: { hide: true, params: Type.Object({ file: Type.String({ maxLength: 64 }) }) }
  }, async (request, reply) => await sendAsset(assets, request.params.file, request.headers['if-none-match'], reply, 'GraphiQL'))
}

export default graphiql
