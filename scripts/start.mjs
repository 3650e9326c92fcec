// `npm start`: the compiled server (dist/), built first when a source is newer than the last build
// (a fresh clone after `npm ci` is already built by `prepare`).
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const stamp = path.join(root, 'dist', '.build-stamp')

function newest (dir) {
  let t = 0
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name)
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs)
  }
  return t
}

const built = existsSync(stamp) ? statSync(stamp).mtimeMs : 0
const sources = Math.max(...['src', 'plugins', 'routes', 'schema', 'sql'].map((d) => newest(path.join(root, d))), statSync(path.join(root, 'tsconfig.build.json')).mtimeMs)
if (sources > built) {
  console.log(built === 0 ? 'building dist/ (first start) …' : 'sources changed since the last build: rebuilding dist/ …')
  const r = spawnSync(process.execPath, [path.join(root, 'scripts', 'build.mjs')], { stdio: 'inherit' })
  if (r.status !== 0) process.exit(r.status ?? 1)
}
await import(pathToFileURL(path.join(root, 'dist', 'src', 'server.js')).href)
