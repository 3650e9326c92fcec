import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'

/** Placeholder until the GraphQL layer lands (being written in schema/). */
async function graphqlPlugin (_app: FastifyInstance) {}

export default fp(graphqlPlugin, { name: 'gateway-graphql', dependencies: ['gateway-db'], fastify: '5.x' })
