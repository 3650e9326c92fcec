/**
 * Argument checks the SDL cannot express, with the same limits as the REST TypeBox schemas
 * (routes/users.ts, routes/events.ts). Failures are GW_ERR_VALIDATION with `details.field`, so a
 * client sees the same code for the same mistake on both interfaces.
 */
import { gatewayError } from '../src/errors.js'
import type { NewApplication, NewEvent, NewRecommendation, NewUser, UserPatch } from '../src/domain/writes.js'
import type { UserRole } from '../src/models/types.js'
import { MAX_EVENTS_PER_BATCH } from '../routes/events.js'

export const MAX_PAGE_SIZE = 100
export const DEFAULT_PAGE_SIZE = 20

/** ajv-formats' "email" (what REST validates with), so both interfaces accept the same addresses. */
const EMAIL = /^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i

function invalid (field: string, message: string): never {
  throw gatewayError('GW_ERR_VALIDATION', `${field}: ${message}`, { field })
}

/** GraphQL IDs arrive as strings; ours are positive bigints within the safe integer range. */
export function toId (value: unknown, field: string): number {
  const n = typeof value === 'string' && /^[1-9][0-9]{0,15}$/.test(value) ? Number(value) : typeof value === 'number' ? value : NaN
  if (!Number.isSafeInteger(n) || n < 1) invalid(field, 'must be a positive integer id')
  return n
}

export function optionalId (value: unknown, field: string): number | undefined {
  return value === undefined || value === null ? undefined : toId(value, field)
}

/** Also enforced before execution by the limits rule; kept here so a resolver never trusts it blindly. */
export function pageSize (first: unknown, field = 'first'): number {
  if (first === undefined || first === null) return DEFAULT_PAGE_SIZE
  if (typeof first !== 'number' || !Number.isInteger(first) || first < 1 || first > MAX_PAGE_SIZE) {
    invalid(field, `must be an integer from 1 to ${MAX_PAGE_SIZE}`)
  }
  return first
}

/** Cursors are opaque base64url text; decodeCursor checks the content. */
export function cursorArg (after: unknown): string | undefined {
  if (after === undefined || after === null || after === '') return undefined
  if (typeof after !== 'string' || after.length > 512 || !/^[A-Za-z0-9_-]+$/.test(after)) invalid('after', 'is not a valid cursor')
  return after
}

function text (value: unknown, field: string, min: number, max: number): string {
  if (typeof value !== 'string' || value.length < min || value.length > max) invalid(field, `must be a string of ${min} to ${max} characters`)
  return value
}

function email (value: unknown, field: string): string {
  const s = text(value, field, 3, 254)
  if (!EMAIL.test(s)) invalid(field, 'must be an email address')
  return s
}

export function optionalText (value: unknown, field: string, max = 100): string | undefined {
  return value === undefined || value === null ? undefined : text(value, field, 1, max)
}

interface UserFields { email?: unknown; name?: unknown; role?: unknown; isActive?: unknown }

export function newUser (input: UserFields): NewUser {
  const out: NewUser = { email: email(input.email, 'input.email'), name: text(input.name, 'input.name', 1, 200) }
  if (input.role != null) out.role = input.role as UserRole
  if (input.isActive != null) out.isActive = input.isActive as boolean
  return out
}

export function userPatch (input: UserFields): UserPatch {
  const out: UserPatch = {}
  if (input.email != null) out.email = email(input.email, 'input.email')
  if (input.name != null) out.name = text(input.name, 'input.name', 1, 200)
  if (input.role != null) out.role = input.role as UserRole
  if (input.isActive != null) out.isActive = input.isActive as boolean
  if (Object.keys(out).length === 0) invalid('input', 'must set at least one field')
  return out
}

export function newApplication (input: { userId?: unknown; programId?: unknown; status?: unknown }): NewApplication {
  const out: NewApplication = { userId: toId(input.userId, 'input.userId'), programId: toId(input.programId, 'input.programId') }
  if (input.status != null) out.status = input.status as 'draft' | 'submitted'
  return out
}

export function newRecommendation (input: { applicationId?: unknown; recommenderId?: unknown }): NewRecommendation {
  return { applicationId: toId(input.applicationId, 'input.applicationId'), recommenderId: toId(input.recommenderId, 'input.recommenderId') }
}

export function newEvents (events: unknown): NewEvent[] {
  if (!Array.isArray(events) || events.length < 1 || events.length > MAX_EVENTS_PER_BATCH) {
    invalid('events', `must hold 1 to ${MAX_EVENTS_PER_BATCH} events`)
  }
  return events.map((e: { userId?: unknown; kind?: unknown; payload?: unknown; createdAt?: unknown }, i) => {
    const out: NewEvent = { userId: toId(e.userId, `events.${i}.userId`), kind: text(e.kind, `events.${i}.kind`, 1, 100) }
    if (e.payload != null) {
      if (typeof e.payload !== 'object' || Array.isArray(e.payload)) invalid(`events.${i}.payload`, 'must be a JSON object')
      out.payload = e.payload
    }
    // Already an ISO string: the DateTime scalar parsed it.
    if (e.createdAt != null) out.createdAt = e.createdAt as string
    return out
  })
}
