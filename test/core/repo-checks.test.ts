/** Checks on the repository itself: engines every installed package declares, docs that list what exists. */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync, readdirSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import semver from 'semver'

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')

test('every locked package accepts the Node the README promises (no EBADENGINE on npm install)', () => {
  const pkg = JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8')) as { engines: { node: string } }
  const floor = semver.minVersion(pkg.engines.node)!.version
  const lock = JSON.parse(readFileSync(path.join(repo, 'package-lock.json'), 'utf8')) as { packages: Record<string, { engines?: { node?: string } | string[]; optional?: boolean }> }
  const refusing = Object.entries(lock.packages)
    .filter(([name, p]) => name !== '' && p.engines !== undefined && !Array.isArray(p.engines) && p.engines.node !== undefined && !semver.satisfies(floor, p.engines.node))
    .map(([name, p]) => `${name} wants node ${(p.engines as { node: string }).node}`)
  assert.deepEqual(refusing, [], `Node ${floor} (package.json engines) is refused by`)
})

test('docs/schema.md lists every migration', () => {
  const doc = readFileSync(path.join(repo, 'docs/schema.md'), 'utf8')
  const missing = readdirSync(path.join(repo, 'sql')).filter((f) => /^\d{3}\.do\..+\.sql$/.test(f) && !doc.includes(`\`${f}\``))
  assert.deepEqual(missing, [])
})

test('advisory-lock keys are distinct, and no source takes one outside the table', async () => {
  const { ADVISORY_LOCKS } = await import('../../src/db/advisory-locks.js')
  const keys = Object.values(ADVISORY_LOCKS)
  assert.equal(new Set(keys).size, keys.length, JSON.stringify(ADVISORY_LOCKS))
  const literal = /7_?402_?113_?\d{3}/
  const offenders: string[] = []
  const walk = (dir: string): void => {
    for (const e of readdirSync(path.join(repo, dir), { withFileTypes: true })) {
      const rel = path.join(dir, e.name)
      if (e.isDirectory()) walk(rel)
      else if (e.name.endsWith('.ts') && rel !== path.join('src', 'db', 'advisory-locks.ts') && literal.test(readFileSync(path.join(repo, rel), 'utf8'))) offenders.push(rel)
    }
  }
  for (const dir of ['src', 'plugins', 'routes', 'schema']) walk(dir)
  assert.deepEqual(offenders, [])
})
