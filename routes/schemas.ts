/** TypeBox schemas shared by the REST routes (and the OpenAPI document generated from them). */
import { Type, type TSchema } from 'typebox'
import { APPLICATION_STATUSES, RECOMMENDATION_STATUSES, USER_ROLES } from '../src/models/registry.js'

const literals = <const T extends readonly string[]> (values: T, description: string) =>
  Type.Unsafe<T[number]>(Type.String({ enum: [...values], description }))

export const Id = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'Positive integer id' })
/** Rows carry Date objects; the serializer writes them as ISO strings. */
export const DateTime = Type.Unsafe<Date | string>(Type.String({ format: 'date-time' }))
export const NullableDateTime = Type.Unsafe<Date | string | null>(Type.Union([Type.String({ format: 'date-time' }), Type.Null()]))
export const Role = literals(USER_ROLES, 'User role')
export const ApplicationStatus = literals(APPLICATION_STATUSES, 'Application status')
export const RecommendationStatus = literals(RECOMMENDATION_STATUSES, 'Recommendation status')

export const IdParams = Type.Object({ id: Id }, { additionalProperties: false })

export const PageQuery = {
  limit: Type.Integer({ minimum: 1, maximum: 100, default: 20, description: 'Page size, at most 100' }),
  cursor: Type.String({ maxLength: 512, pattern: '^[A-Za-z0-9_-]*$', description: 'Opaque cursor from the previous page' })
}
export const TimeRangeQuery = {
  from: Type.String({ format: 'date-time', description: 'Inclusive lower bound on createdAt' }),
  to: Type.String({ format: 'date-time', description: 'Exclusive upper bound on createdAt' })
}

export const Error = Type.Object({
  statusCode: Type.Integer(),
  code: Type.String(),
  error: Type.String(),
  message: Type.String(),
  details: Type.Optional(Type.Record(Type.String(), Type.Unknown()))
})

export const User = Type.Object({
  id: Id, email: Type.String(), name: Type.String(), role: Role, isActive: Type.Boolean(), createdAt: DateTime, updatedAt: DateTime
})
export const University = Type.Object({
  id: Id, name: Type.String(), country: Type.String(), city: Type.String(), ranking: Type.Union([Type.Integer(), Type.Null()]), isActive: Type.Boolean()
})
export const Program = Type.Object({
  id: Id, universityId: Id, name: Type.String(), degree: Type.String(), deadline: Type.Union([Type.String(), Type.Null()])
})
export const Application = Type.Object({
  id: Id, userId: Id, programId: Id, status: ApplicationStatus, submittedAt: NullableDateTime, createdAt: DateTime, updatedAt: DateTime
})
export const Recommendation = Type.Object({
  id: Id, applicationId: Id, recommenderId: Id, status: RecommendationStatus, requestedAt: DateTime, submittedAt: NullableDateTime
})
export const Notification = Type.Object({
  id: Id, userId: Id, kind: Type.String(), payload: Type.Unknown(), readAt: NullableDateTime, createdAt: DateTime
})
export const AuditLog = Type.Object({
  id: Id, actorId: Type.Union([Type.Integer(), Type.Null()]), action: Type.String(), entity: Type.String(), entityId: Type.Integer(), diff: Type.Unknown(), createdAt: DateTime
})
export const ActivityEvent = Type.Object({
  id: Id, userId: Id, kind: Type.String(), payload: Type.Unknown(), createdAt: DateTime
})
export const UniversityStats = Type.Object({
  universityId: Id, total: Type.Integer(), draft: Type.Integer(), submitted: Type.Integer(), underReview: Type.Integer(),
  accepted: Type.Integer(), rejected: Type.Integer(), acceptanceRate: Type.Union([Type.Number(), Type.Null()]),
  refreshedAt: Type.Unsafe<Date | string | null>(Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
    description: 'When maintenance (refresh-views) last refreshed the materialized view; null if never recorded'
  }))
})

export function PageOf<T extends TSchema> (item: T) {
  return Type.Object({ items: Type.Array(item), nextCursor: Type.Union([Type.String(), Type.Null()]) })
}

/** Error responses every route can return. */
export const errorResponses = {
  400: Error, 404: Error, 409: Error, 422: Error, 503: Error
} as const

export const ActorHeaders = Type.Object({
  'x-actor-id': Type.Optional(Type.Integer({ minimum: 1, description: 'Id of the acting user, recorded in audit_logs' }))
})
