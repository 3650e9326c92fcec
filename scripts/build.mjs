// `npm run build` (also run by `npm ci` through `prepare`, and by `npm start` when the sources are
// newer than dist/): TypeScript to dist/, then the files the code reads at run time beside it —
// migrations, the GraphQL schema, the dashboard's and GraphiQL's static files.
import { spawnSync } from 'node:child_process'
import { cpSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const dist = path.join(root, 'dist')
const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc')
const r = spawnSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json')], { stdio: 'inherit' })
if (r.status !== 0) process.exit(r.status ?? 1)

const copy = (from, to = from) => cpSync(path.join(root, from), path.join(dist, to), { recursive: true })
copy('sql')
copy('schema/schema.graphql')
for (const dir of ['src/monitoring/dashboard', 'src/graphiql']) {
  mkdirSync(path.join(dist, dir), { recursive: true })
  for (const f of readdirSync(path.join(root, dir))) if (!f.endsWith('.ts')) copy(path.join(dir, f))
}
writeFileSync(path.join(dist, '.build-stamp'), new Date().toISOString() + '\n')
