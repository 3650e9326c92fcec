/**
 * The one auth hook for /admin/* (SPEC §4): `Authorization: Bearer <ADMIN_TOKEN>`, compared in
 * constant time. Routes opt in by being registered inside the admin scope.
 */
import fp from 'fastify-plugin'
import { timingSafeEqual, createHash } from 'node:crypto'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { gatewayError } from '../src/errors.js'

declare module 'fastify' {
  interface FastifyInstance { verifyBearer: (token: string | undefined) => (request: FastifyRequest) => Promise<void> }
}

const digest = (s: string) => createHash('sha256').update(s).digest()

export function bearerMatches (header: string | undefined, token: string): boolean {
  const m = /^Bearer\s+(\S+)$/i.exec(header ?? '')
  return m !== null && timingSafeEqual(digest(m[1]!), digest(token))
}

async function adminAuthPlugin (app: FastifyInstance) {
  app.decorate('verifyBearer', (token: string | undefined) => async (request: FastifyRequest) => {
    // No token configured means the protected surface is closed, not open.
    if (!token || !bearerMatches(request.headers.authorization, token)) throw gatewayError('GW_ERR_UNAUTHORIZED')
  })
}

export default fp(adminAuthPlugin, { name: 'gateway-admin-auth', fastify: '5.x' })
