/** Shared by the explain tests: one POST, and a scratch schema dropped when the test ends. */
import type { FastifyInstance } from 'fastify'
import { adminHeaders, cleanup, uniq } from '../../helpers/app.js'

export interface FindingBody {
  kind: string
  measured: boolean
  node: { id: number; type: string; path: string; relation?: string; index?: string } | null
  message: string
  numbers: Record<string, number>
  suggestion: string
  statement?: string
}

export async function explain (app: FastifyInstance, body: Record<string, unknown>): Promise<{ statusCode: number; json: any }> {
  const res = await app.inject({ method: 'POST', url: '/admin/explain', headers: adminHeaders, payload: body })
  return { statusCode: res.statusCode, json: res.json() }
}

export function findingsOf (json: { findings: FindingBody[] }, kind: string): FindingBody[] {
  return json.findings.filter((f) => f.kind === kind)
}

/** A schema of the test's own, dropped with everything in it before the app closes. */
export async function scratchSchema (app: FastifyInstance, setup: (schema: string) => string): Promise<string> {
  const schema = `explain_${uniq()}`
  await app.db.pools.primary.query(`CREATE SCHEMA ${schema}`)
  cleanup(app, () => app.db.pools.primary.query(`DROP SCHEMA ${schema} CASCADE`))
  await app.db.pools.primary.query(setup(schema))
  return schema
}
