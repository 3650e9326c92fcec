/**
 * Which process listens on a TCP port (Linux /proc; undefined elsewhere or when it is not ours to
 * see), so "port in use" can say which pid to stop.
 */
import { readFileSync, readdirSync, readlinkSync } from 'node:fs'

const LISTEN = '0A'

function listeningInodes (port: number): Set<string> {
  const inodes = new Set<string>()
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string
    try { text = readFileSync(file, 'utf8') } catch { continue }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/)
      if (f.length < 10 || f[3] !== LISTEN) continue
      if (Number.parseInt(f[1]!.split(':')[1] ?? '', 16) === port) inodes.add(f[9]!)
    }
  }
  return inodes
}

export function portOwnerPid (port: number): number | undefined {
  const inodes = listeningInodes(port)
  if (inodes.size === 0) return undefined
  let pids: string[]
  try { pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d)) } catch { return undefined }
  for (const pid of pids) {
    let fds: string[]
    try { fds = readdirSync(`/proc/${pid}/fd`) } catch { continue }
    for (const fd of fds) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))
        if (m !== null && inodes.has(m[1]!)) return Number(pid)
      } catch { /* closed meanwhile */ }
    }
  }
  return undefined
}
