/** Row shapes as the client returns them (camelCase; bigint ids as numbers; dates as ISO strings or Date). */
import type { APPLICATION_STATUSES, RECOMMENDATION_STATUSES, USER_ROLES } from './registry.js'

export type UserRole = typeof USER_ROLES[number]
export type ApplicationStatus = typeof APPLICATION_STATUSES[number]
export type RecommendationStatus = typeof RECOMMENDATION_STATUSES[number]

export interface User { id: number; email: string; name: string; role: UserRole; isActive: boolean; createdAt: Date; updatedAt: Date }
export interface University { id: number; name: string; country: string; city: string; ranking: number | null; isActive: boolean }
export interface Program { id: number; universityId: number; name: string; degree: string; deadline: string | null }
export interface Application { id: number; userId: number; programId: number; status: ApplicationStatus; submittedAt: Date | null; createdAt: Date; updatedAt: Date }
export interface Recommendation { id: number; applicationId: number; recommenderId: number; status: RecommendationStatus; requestedAt: Date; submittedAt: Date | null }
export interface Notification { id: number; userId: number; kind: string; payload: unknown; readAt: Date | null; createdAt: Date }
export interface AuditLog { id: number; actorId: number | null; action: string; entity: string; entityId: number; diff: unknown; createdAt: Date }
export interface ActivityEvent { id: number; userId: number; kind: string; payload: unknown; createdAt: Date }
export interface UniversityApplicationStats { universityId: number; total: number; draft: number; submitted: number; underReview: number; accepted: number; rejected: number; acceptanceRate: number | null }

export interface ModelRows {
  users: User
  universities: University
  programs: Program
  applications: Application
  recommendations: Recommendation
  notifications: Notification
  auditLogs: AuditLog
  activityEvents: ActivityEvent
  universityApplicationStats: UniversityApplicationStats
}
