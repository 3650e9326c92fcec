/**
 * Static files a page of the gateway serves (the dashboard, GraphiQL): a fixed allow-list read once
 * at registration, so nothing from the URL ever reaches the filesystem, with a content ETag and
 * 304 on `If-None-Match`.
 */
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import type { FastifyReply } from 'fastify'
import { gatewayError } from '../src/errors.js'

export const JS = 'text/javascript; charset=utf-8'
export const CSS = 'text/css; charset=utf-8'

export interface Asset { body: Buffer; type: string; etag: string; cacheControl: string }

export async function loadAsset (file: string, type: string, maxAge: number): Promise<Asset> {
  const body = await readFile(file)
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`
  return { body, type, etag, cacheControl: `public, max-age=${maxAge}` }
}

export async function loadAssets (list: Record<string, { file: string; type: string; maxAge: number }>): Promise<Map<string, Asset>> {
  const out = new Map<string, Asset>()
  for (const [name, a] of Object.entries(list)) out.set(name, await loadAsset(a.file, a.type, a.maxAge))
  return out
}

/** Sends `name` from `assets` (404 with a stable code when it is not on the list). */
export async function sendAsset (assets: Map<string, Asset>, name: string, ifNoneMatch: string | undefined, reply: FastifyReply, what: string): Promise<FastifyReply> {
  const asset = assets.get(name)
  if (asset === undefined) throw gatewayError('GW_ERR_NOT_FOUND', `No such ${what} asset`)
  reply.header('etag', asset.etag).header('cache-control', asset.cacheControl).header('x-content-type-options', 'nosniff')
  if (ifNoneMatch === asset.etag) return await reply.code(304).send(null)
  // Buffers are sent as they are: a declared string body only documents the route.
  return await reply.type(asset.type).send(asset.body as unknown as string)
}
