import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import type { GatewayConfig } from '../src/config/schema.js'

declare module 'fastify' {
  interface FastifyInstance { config: GatewayConfig }
}

/** Decorates the validated configuration once; everything else reads `app.config`. */
async function configPlugin (app: FastifyInstance, opts: { config: GatewayConfig }) {
  app.decorate('config', opts.config)
}

export default fp(configPlugin, { name: 'gateway-config', fastify: '5.x' })
