/**
 * GraphiQL at `/graphiql` outside production, served entirely by the gateway: the page, our init
 * script and the UMD builds of React, ReactDOM and GraphiQL from node_modules (mercurius' own IDE
 * loads them from unpkg, a blank page offline). A fixed allow-list read once at registration:
 * nothing from the URL reaches the filesystem.
 */
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { gatewayError } from '../src/errors.js'

const pageDir = fileURLToPath(new URL('../src/graphiql/', import.meta.url))
const require = createRequire(import.meta.url)
const pkgDir = (name: string): string => path.dirname(require.resolve(`${name}/package.json`))

const JS = 'text/javascript; charset=utf-8'
const CSS = 'text/css; charset=utf-8'
const allowList: Record<string, { file: string; type: string }> = {
  'graphiql-init.js': { file: path.join(pageDir, 'graphiql-init.js'), type: JS },
  'graphiql-page.css': { file: path.join(pageDir, 'graphiql-page.css'), type: CSS },
  'react.production.min.js': { file: path.join(pkgDir('react'), 'umd/react.production.min.js'), type: JS },
  'react-dom.production.min.js': { file: path.join(pkgDir('react-dom'), 'umd/react-dom.production.min.js'), type: JS },
  'graphiql.min.js': { file: path.join(pkgDir('graphiql'), 'graphiql.min.js'), type: JS },
  'graphiql.min.css': { file: path.join(pkgDir('graphiql'), 'graphiql.min.css'), type: CSS }
}

/** Same origin only. GraphiQL's editors set inline styles and its icons are data: URLs. */
const CSP = [
  "default-src 'self'", "script-src 'self'", "style-src 'self' 'unsafe-inline'", "img-src 'self' data:", "font-src 'self' data:",
  "connect-src 'self'", "worker-src 'self' blob:", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"
].join('; ')

interface Asset { body: Buffer; type: string; etag: string }

async function load (file: string, type: string): Promise<Asset> {
  const body = await readFile(file)
  return { body, type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` }
}

const graphiql: FastifyPluginAsyncTypebox = async (app) => {
  const page = await load(path.join(pageDir, 'index.html'), 'text/html; charset=utf-8')
  const assets = new Map<string, Asset>()
  for (const [name, a] of Object.entries(allowList)) assets.set(name, await load(a.file, a.type))

  app.get('/graphiql', { schema: { hide: true } }, async (_request, reply) => await reply
    .type(page.type).header('content-security-policy', CSP).header('x-frame-options', 'DENY')
    .header('cache-control', 'no-cache').send(page.body))

  app.get('/graphiql/assets/:file', {
    schema: { hide: true, params: Type.Object({ file: Type.String({ maxLength: 64 }) }) }
  }, async (request, reply) => {
    const asset = assets.get(request.params.file)
    if (asset === undefined) throw gatewayError('GW_ERR_NOT_FOUND', `No GraphiQL asset ${JSON.stringify(request.params.file)}`)
    if (request.headers['if-none-match'] === asset.etag) return await reply.code(304).send()
    return await reply.type(asset.type).header('etag', asset.etag).header('cache-control', 'public, max-age=86400')
      .header('x-content-type-options', 'nosniff').send(asset.body)
  })
}

export default graphiql
