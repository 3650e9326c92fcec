/** The embedded default database (SPEC §5): PostgreSQL from npm, for `npm start` without DATABASE_URL. */
export { ensureEmbeddedDatabase, EMBEDDED_SEED_SCALE, type EmbeddedDatabase, type EnsureEmbeddedOptions } from './ensure-database.js'
export { startEmbeddedPostgres, runningEmbeddedUrl, EmbeddedInUseError, EMBEDDED_DATABASE, DEFAULT_EMBEDDED_PORT, type EmbeddedOptions, type EmbeddedPostgresHandle } from './start.js'
