/** Test data made through the library client; each test makes its own and removes it. */
import type { FastifyInstance } from 'fastify'
import { uniq } from './app.js'
import type { Program, University, User } from '../../src/models/types.js'

export async function makeUser (app: FastifyInstance, role: 'student' | 'recommender' | 'admin' = 'student'): Promise<User> {
  return app.db.primary.users.create({ data: { email: `t-${uniq()}@example.test`, name: `Test ${role}`, role } })
}

export async function makeProgram (app: FastifyInstance): Promise<{ university: University; program: Program }> {
  const university = await app.db.primary.universities.create({ data: { name: `Test University ${uniq()}`, country: 'Testland', city: 'Testville', ranking: null } })
  const program = await app.db.primary.programs.create({ data: { universityId: university.id, name: 'Test Program', degree: 'MSc', deadline: '2027-01-15' } })
  return { university, program }
}

/** Removes users (and everything hanging off them) made by a test. */
export async function removeUsers (app: FastifyInstance, ids: number[]): Promise<void> {
  if (ids.length === 0) return
  await app.db.query('DELETE FROM recommendations WHERE recommender_id = ANY($1::bigint[]) OR application_id IN (SELECT id FROM applications WHERE user_id = ANY($1::bigint[]))', [ids])
  await app.db.query('DELETE FROM applications WHERE user_id = ANY($1::bigint[])', [ids])
  await app.db.query('DELETE FROM notifications WHERE user_id = ANY($1::bigint[])', [ids])
  await app.db.query('DELETE FROM activity_events WHERE user_id = ANY($1::bigint[])', [ids])
  await app.db.query('DELETE FROM users WHERE id = ANY($1::bigint[])', [ids])
}

export async function removeUniversity (app: FastifyInstance, id: number): Promise<void> {
  await app.db.query('DELETE FROM programs WHERE university_id = $1', [id])
  await app.db.query('DELETE FROM universities WHERE id = $1', [id])
}
