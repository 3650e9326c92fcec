import type { FastifyInstance, FastifyRequest } from 'fastify'
import { getUser, type RawQuery } from '../src/domain/reads.js'
import { gatewayError } from '../src/errors.js'
import type { Actor } from '../src/domain/writes.js'

export function actorOf (request: FastifyRequest): Actor {
  const raw = request.headers['x-actor-id']
  if (raw === undefined) return { id: null }
  const id = Number(raw)
  if (!Number.isSafeInteger(id) || id < 1) throw gatewayError('GW_ERR_VALIDATION', 'headers.x-actor-id: must be a positive integer', { field: 'headers.x-actor-id' })
  return { id }
}

/** Raw reads on the node the read router picks (for domain reads that take a RawQuery). */
export function readQuery (app: FastifyInstance): RawQuery {
  return (text, values) => app.db.query(text, values, { target: 'read' })
}

export function notFound (what: string, id: number | string): never {
  throw gatewayError('GW_ERR_NOT_FOUND', `${what} ${id} not found`)
}

export function found<T> (row: T | null | undefined, what: string, id: number | string): T {
  if (row === null || row === undefined) notFound(what, id)
  return row
}

/** A list under /users/:id: the page and the user's existence are read in parallel; 404 if no user. */
export async function userScoped<T> (app: FastifyInstance, userId: number, page: Promise<T>): Promise<T> {
  const [user, result] = await Promise.all([getUser(app.db.cached, userId), page])
  found(user, 'User', userId)
  return result
}
