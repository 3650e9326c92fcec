/** Shapes of the alert engine (docs/alerts.md); the public ones live in src/monitoring/types.ts. */
import type { AlertRuleName } from '../types.js'

export type Transition = 'firing' | 'resolved'
export type ChannelName = 'slack' | 'discord' | 'pagerduty' | 'webhook' | 'email'
export type Severity = 'critical' | 'error' | 'warning'

/** What every channel renders: one transition of one firing episode. Stored with the event. */
export interface AlertNotification {
  rule: AlertRuleName
  state: Transition
  episode: number
  value: number | null
  threshold: number
  comparison: 'above' | 'below'
  unit: 'ratio' | 'ms' | 'boolean'
  severity: Severity
  description: string
  detail?: string
  /** When the episode began firing. */
  startsAt: string
  /** When it resolved (resolved notifications only). */
  endsAt?: string
  /** The instance that evaluated the transition. */
  instance: string
  /** Stable per rule and episode: a trigger and its resolve share it (PagerDuty dedup_key). */
  dedupKey: string
}

export interface Channel {
  readonly name: ChannelName
  /** Resolves when the receiver accepted the notification; throws a DeliveryError otherwise. */
  send: (n: AlertNotification) => Promise<void>
  close?: () => Promise<void> | void
}

/** A failed send; `permanent` ones (a 4xx the receiver will repeat) are not retried. */
export class DeliveryError extends Error {
  constructor (message: string, readonly permanent = false) {
    super(message)
    this.name = 'DeliveryError'
  }
}
