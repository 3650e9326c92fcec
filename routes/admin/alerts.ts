import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { errorResponses } from '../schemas.js'

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()])
const RuleName = Type.String({ enum: ['pool_usage', 'cache_hit_rate', 'query_time', 'error_rate', 'replication_lag', 'replica_down', 'redis_down', 'maintenance_failed'] })
const Time = Type.String({ format: 'date-time' })
const Channel = Type.String({ enum: ['slack', 'discord', 'pagerduty', 'webhook', 'email'] })
const Transition = Type.String({ enum: ['firing', 'resolved'] })

const Rule = Type.Object({
  rule: RuleName,
  state: Type.String({ enum: ['inactive', 'pending', 'firing'] }),
  value: Nullable(Type.Number()),
  threshold: Type.Number(),
  comparison: Type.String({ enum: ['above', 'below'] }),
  unit: Type.String({ enum: ['ratio', 'ms', 'boolean'] }),
  since: Nullable(Time),
  episode: Type.Integer({ description: 'the current or last firing episode (0: never fired)' }),
  description: Type.String(),
  detail: Nullable(Type.String()),
  lastResolvedAt: Nullable(Time),
  evaluatedAt: Nullable(Time)
})

const Event = Type.Object({
  id: Type.Integer(),
  rule: RuleName,
  transition: Transition,
  episode: Type.Integer(),
  value: Nullable(Type.Number()),
  threshold: Type.Number(),
  at: Time,
  instance: Type.String({ description: 'the instance that evaluated the transition' })
})

const Delivery = Type.Object({
  id: Type.Integer(),
  eventId: Type.Integer(),
  rule: RuleName,
  transition: Transition,
  episode: Type.Integer(),
  channel: Channel,
  status: Type.String({ enum: ['pending', 'delivered', 'failed'] }),
  attempts: Type.Integer(),
  lastError: Nullable(Type.String()),
  nextAttemptAt: Nullable(Time),
  deliveredAt: Nullable(Time),
  createdAt: Time
})

const Alerts = Type.Object({
  enabled: Type.Boolean(),
  instance: Type.String(),
  channels: Type.Array(Channel),
  rules: Type.Array(Rule),
  active: Type.Array(Rule, { description: 'rules pending or firing' }),
  history: Type.Array(Event, { description: 'the last 50 transitions, newest first' }),
  deliveries: Type.Array(Delivery, { description: 'the last 50 notifications sent or queued, newest first' })
})

/** `GET /admin/alerts` (SPEC §4): every rule's state, recent transitions, delivery outcomes. Registered in the admin scope. */
const alertsAdmin: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/admin/alerts', {
    schema: {
      tags: ['admin'],
      summary: 'Alert rules with their state, recent transitions and notification deliveries (all instances)',
      security: [{ bearerAuth: [] }],
      response: { 200: Alerts, 401: errorResponses[400], 503: errorResponses[503] }
    }
  }, async () => await app.alerts.status())
}

export default alertsAdmin
