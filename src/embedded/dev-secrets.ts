/**
 * Development secrets of the embedded default, kept in `<dataDir>/secrets.json` (mode 0600) so a
 * restart keeps the admin token the user exported and the consistency tokens clients hold.
 * Production sets ADMIN_TOKEN and CONSISTENCY_TOKEN_SECRET itself.
 */
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'

export interface DevSecrets { adminToken: string; consistencyTokenSecret: string }

export function devSecrets (dataDir = '.data'): DevSecrets {
  const file = path.resolve(dataDir, 'secrets.json')
  let stored: Partial<DevSecrets> = {}
  if (existsSync(file)) {
    try { stored = JSON.parse(readFileSync(file, 'utf8')) as Partial<DevSecrets> } catch { stored = {} }
  }
  const secrets: DevSecrets = {
    adminToken: typeof stored.adminToken === 'string' && stored.adminToken.length >= 16 ? stored.adminToken : randomBytes(24).toString('base64url'),
    consistencyTokenSecret: typeof stored.consistencyTokenSecret === 'string' && stored.consistencyTokenSecret.length >= 32 ? stored.consistencyTokenSecret : randomBytes(32).toString('base64url')
  }
  if (secrets.adminToken !== stored.adminToken || secrets.consistencyTokenSecret !== stored.consistencyTokenSecret) {
    mkdirSync(path.dirname(file), { recursive: true })
    writeFileSync(file, JSON.stringify(secrets, null, 2) + '\n', { mode: 0o600 })
  }
  return secrets
}
