import type { FastifyRequest } from 'fastify'
import { gatewayError } from '../src/errors.js'
import type { Actor } from '../src/domain/writes.js'

export function actorOf (request: FastifyRequest): Actor {
  const raw = request.headers['x-actor-id']
  if (raw === undefined) return { id: null }
  const id = Number(raw)
  if (!Number.isSafeInteger(id) || id < 1) throw gatewayError('GW_ERR_VALIDATION', 'headers.x-actor-id: must be a positive integer', { field: 'headers.x-actor-id' })
  return { id }
}

export function notFound (what: string, id: number | string): never {
  throw gatewayError('GW_ERR_NOT_FOUND', `${what} ${id} not found`)
}

export function found<T> (row: T | null | undefined, what: string, id: number | string): T {
  if (row === null || row === undefined) notFound(what, id)
  return row
}
