/**
 * The one data model behind the client, REST and GraphQL (STYLE §9).
 *
 * Invariant: this registry is the only source of SQL identifiers. Field names are the camelCase
 * names the API uses; `column` is the snake_case name in PostgreSQL. Nothing a caller passes can
 * add an identifier: unknown fields are rejected before SQL is built.
 */

export type ColumnType = 'int' | 'bigint' | 'text' | 'bool' | 'timestamptz' | 'date' | 'jsonb' | 'numeric' | 'enum'

export interface FieldDef {
  readonly column: string
  readonly type: ColumnType
  readonly enumValues?: readonly string[]
  readonly nullable?: boolean
  /** Filled by the database (identity, defaults, triggers); never accepted on create/update. */
  readonly readOnly?: boolean
  /** Has a database default, so `create` may omit it. */
  readonly hasDefault?: boolean
}

export interface RelationDef {
  readonly kind: 'one' | 'many'
  readonly model: ModelName
  /** Field on this model (kind 'one') or on the target model (kind 'many') holding the key. */
  readonly foreignKey: string
}

export interface ModelDef {
  readonly name: ModelName
  readonly table: string
  readonly primaryKey: string
  /** Other unique keys (field names) that `findUnique`, `update` and `delete` may address a row by. */
  readonly unique?: readonly (readonly string[])[]
  readonly fields: Readonly<Record<string, FieldDef>>
  readonly relations: Readonly<Record<string, RelationDef>>
  /** Materialized views and the like: reads only. */
  readonly readOnly?: boolean
  readonly partitioning?: { readonly kind: 'range' | 'hash'; readonly key: string }
  /**
   * Parent keys lists are usually filtered by (a user's applications): a list with an equality
   * filter on one is cached under that value's tag, so writes under other parents leave it cached.
   */
  readonly listKeys?: readonly string[]
}

export type ModelName =
  | 'users' | 'universities' | 'programs' | 'applications' | 'recommendations'
  | 'notifications' | 'auditLogs' | 'activityEvents' | 'universityApplicationStats'

export const USER_ROLES = ['student', 'recommender', 'admin'] as const
export const APPLICATION_STATUSES = ['draft', 'submitted', 'under_review', 'accepted', 'rejected'] as const
export const RECOMMENDATION_STATUSES = ['requested', 'in_progress', 'submitted', 'declined'] as const

const id: FieldDef = { column: 'id', type: 'bigint', readOnly: true }
const createdAt: FieldDef = { column: 'created_at', type: 'timestamptz', hasDefault: true }
const updatedAt: FieldDef = { column: 'updated_at', type: 'timestamptz', readOnly: true, hasDefault: true }

export const models = {
  users: {
    name: 'users',
    table: 'users',
    primaryKey: 'id',
    unique: [['email']],
    fields: {
      id,
      email: { column: 'email', type: 'text' },
      name: { column: 'name', type: 'text', hasDefault: true },
      role: { column: 'role', type: 'enum', enumValues: USER_ROLES, hasDefault: true },
      isActive: { column: 'is_active', type: 'bool', hasDefault: true },
      createdAt,
      updatedAt
    },
    relations: {
      applications: { kind: 'many', model: 'applications', foreignKey: 'userId' },
      notifications: { kind: 'many', model: 'notifications', foreignKey: 'userId' }
    }
  },
  universities: {
    name: 'universities',
    table: 'universities',
    primaryKey: 'id',
    fields: {
      id,
      name: { column: 'name', type: 'text' },
      country: { column: 'country', type: 'text' },
      city: { column: 'city', type: 'text' },
      ranking: { column: 'ranking', type: 'int', nullable: true },
      isActive: { column: 'is_active', type: 'bool', hasDefault: true }
    },
    relations: {
      programs: { kind: 'many', model: 'programs', foreignKey: 'universityId' },
      stats: { kind: 'one', model: 'universityApplicationStats', foreignKey: 'id' }
    }
  },
  programs: {
    name: 'programs',
    listKeys: ['universityId'],
    table: 'programs',
    primaryKey: 'id',
    fields: {
      id,
      universityId: { column: 'university_id', type: 'bigint' },
      name: { column: 'name', type: 'text' },
      degree: { column: 'degree', type: 'text' },
      deadline: { column: 'deadline', type: 'date', nullable: true }
    },
    relations: {
      university: { kind: 'one', model: 'universities', foreignKey: 'universityId' },
      applications: { kind: 'many', model: 'applications', foreignKey: 'programId' }
    }
  },
  applications: {
    name: 'applications',
    listKeys: ['userId', 'programId'],
    table: 'applications',
    primaryKey: 'id',
    unique: [['userId', 'programId']],
    fields: {
      id,
      userId: { column: 'user_id', type: 'bigint' },
      programId: { column: 'program_id', type: 'bigint' },
      status: { column: 'status', type: 'enum', enumValues: APPLICATION_STATUSES, hasDefault: true },
      submittedAt: { column: 'submitted_at', type: 'timestamptz', nullable: true },
      createdAt,
      updatedAt
    },
    relations: {
      user: { kind: 'one', model: 'users', foreignKey: 'userId' },
      program: { kind: 'one', model: 'programs', foreignKey: 'programId' },
      recommendations: { kind: 'many', model: 'recommendations', foreignKey: 'applicationId' }
    }
  },
  recommendations: {
    name: 'recommendations',
    listKeys: ['applicationId', 'recommenderId'],
    table: 'recommendations',
    primaryKey: 'id',
    unique: [['applicationId', 'recommenderId']],
    fields: {
      id,
      applicationId: { column: 'application_id', type: 'bigint' },
      recommenderId: { column: 'recommender_id', type: 'bigint' },
      status: { column: 'status', type: 'enum', enumValues: RECOMMENDATION_STATUSES, hasDefault: true },
      requestedAt: { column: 'requested_at', type: 'timestamptz', hasDefault: true },
      submittedAt: { column: 'submitted_at', type: 'timestamptz', nullable: true }
    },
    relations: {
      application: { kind: 'one', model: 'applications', foreignKey: 'applicationId' },
      recommender: { kind: 'one', model: 'users', foreignKey: 'recommenderId' }
    }
  },
  notifications: {
    name: 'notifications',
    listKeys: ['userId'],
    table: 'notifications',
    primaryKey: 'id',
    partitioning: { kind: 'range', key: 'createdAt' },
    fields: {
      id,
      userId: { column: 'user_id', type: 'bigint' },
      kind: { column: 'kind', type: 'text' },
      payload: { column: 'payload', type: 'jsonb', hasDefault: true },
      readAt: { column: 'read_at', type: 'timestamptz', nullable: true },
      createdAt
    },
    relations: {
      user: { kind: 'one', model: 'users', foreignKey: 'userId' }
    }
  },
  auditLogs: {
    name: 'auditLogs',
    listKeys: ['entity'],
    table: 'audit_logs',
    primaryKey: 'id',
    partitioning: { kind: 'range', key: 'createdAt' },
    fields: {
      id,
      actorId: { column: 'actor_id', type: 'bigint', nullable: true },
      action: { column: 'action', type: 'text' },
      entity: { column: 'entity', type: 'text' },
      entityId: { column: 'entity_id', type: 'bigint' },
      diff: { column: 'diff', type: 'jsonb', hasDefault: true },
      createdAt
    },
    relations: {}
  },
  activityEvents: {
    name: 'activityEvents',
    listKeys: ['userId'],
    table: 'activity_events',
    primaryKey: 'id',
    partitioning: { kind: 'hash', key: 'userId' },
    fields: {
      id,
      userId: { column: 'user_id', type: 'bigint' },
      kind: { column: 'kind', type: 'text' },
      payload: { column: 'payload', type: 'jsonb', hasDefault: true },
      createdAt
    },
    relations: {}
  },
  universityApplicationStats: {
    name: 'universityApplicationStats',
    table: 'university_application_stats',
    primaryKey: 'universityId',
    readOnly: true,
    fields: {
      universityId: { column: 'university_id', type: 'bigint', readOnly: true },
      total: { column: 'total', type: 'int', readOnly: true },
      draft: { column: 'draft', type: 'int', readOnly: true },
      submitted: { column: 'submitted', type: 'int', readOnly: true },
      underReview: { column: 'under_review', type: 'int', readOnly: true },
      accepted: { column: 'accepted', type: 'int', readOnly: true },
      rejected: { column: 'rejected', type: 'int', readOnly: true },
      acceptanceRate: { column: 'acceptance_rate', type: 'numeric', nullable: true, readOnly: true }
    },
    relations: {}
  }
} as const satisfies Record<string, ModelDef>

export const modelNames = Object.keys(models) as ModelName[]

export function getModel (name: ModelName): ModelDef {
  return models[name]
}
