export { ReplicaManager } from './replica-manager.js'
export { REPLICA_HEALTH_DEFAULTS, type ReplicaHealthOptions, type ReplicaStatus, type PrimaryStatus, type ReplicaState, type PrimaryState, type NodeStateChange, type ReplicaManagerEvents } from './types.js'
export { compareLsn, formatLsn, isLsn, lsnDiff, lsnReached, maxLsn, parseLsn } from './lsn.js'
