/** Allowed status transitions; anything else is a 422 (GW_ERR_CONSTRAINT). */
import { gatewayError } from '../errors.js'
import type { ApplicationStatus, RecommendationStatus } from '../models/types.js'

export const APPLICATION_TRANSITIONS: Record<ApplicationStatus, readonly ApplicationStatus[]> = {
  draft: ['submitted'],
  submitted: ['under_review', 'accepted', 'rejected'],
  under_review: ['accepted', 'rejected'],
  accepted: [],
  rejected: []
}

export const RECOMMENDATION_TRANSITIONS: Record<RecommendationStatus, readonly RecommendationStatus[]> = {
  requested: ['in_progress', 'submitted', 'declined'],
  in_progress: ['submitted', 'declined'],
  submitted: [],
  declined: []
}

export function assertTransition<S extends string> (table: Record<S, readonly S[]>, what: string, from: S, to: S): void {
  if (!table[from]?.includes(to)) {
    const allowed = table[from] ?? []
    const article = /^[aeiou]/i.test(what) ? 'An' : 'A'
    const next = allowed.length === 0 ? `${from} is final` : `from ${from} it can move to ${allowed.join(', ')}`
    throw gatewayError('GW_ERR_CONSTRAINT', `${article} ${what} cannot move from ${from} to ${to}: ${next}`, { field: 'status', from, to, allowed: [...allowed] })
  }
}

/** The columns a (validated) status move sets: moving to `submitted` also stamps submittedAt. */
export function statusUpdate<S extends string> (table: Record<S, readonly S[]>, what: string, from: S, to: S): { status: S; submittedAt?: Date } {
  assertTransition(table, what, from, to)
  return to === 'submitted' ? { status: to, submittedAt: new Date() } : { status: to }
}
