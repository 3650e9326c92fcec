/**
 * Throw-away redis-server processes for the fault and cluster tests (never the shared Redis at
 * REDIS_URL): one standalone server, or a 3-master cluster, on free ports, killed in `t.after`
 * and on process exit.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import type { TestContext } from 'node:test'
import { Redis } from 'ioredis'

const run = promisify(execFile)
const REDIS_SERVER = process.env.REDIS_SERVER_BIN ?? '/usr/bin/redis-server'
const REDIS_CLI = process.env.REDIS_CLI_BIN ?? '/usr/bin/redis-cli'
const live = new Set<ChildProcess>()
process.once('exit', () => { for (const p of live) p.kill('SIGKILL') })

export async function freePort (): Promise<number> {
  return await new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port
      srv.close(() => resolve(port))
    })
  })
}

async function waitForPing (port: number, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host: '127.0.0.1', port })
      s.once('connect', () => { s.write('PING\r\n') })
      s.once('data', (d) => { s.destroy(); resolve(d.toString().startsWith('+PONG')) })
      s.once('error', () => resolve(false))
    })
    if (ok) return
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`redis-server on port ${port} did not answer`)
}

export interface RedisServer {
  port: number
  url: string
  stop(): Promise<void>
  start(): Promise<void>
  /** SIGSTOP / SIGCONT: a Redis that hangs instead of refusing. */
  pause(): void
  resume(): void
}

function spawnServer (port: number, extra: string[], dir: string): ChildProcess {
  const p = spawn(REDIS_SERVER, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--dir', dir, ...extra], { stdio: 'ignore' })
  live.add(p)
  p.once('exit', () => live.delete(p))
  return p
}

async function kill (p: ChildProcess | undefined): Promise<void> {
  if (!p || p.exitCode !== null || p.signalCode !== null) return
  const exited = new Promise((resolve) => p.once('exit', resolve))
  p.kill('SIGCONT')
  p.kill('SIGKILL')
  await exited
}

export async function startRedisServer (t: TestContext): Promise<RedisServer> {
  const port = await freePort()
  const dir = mkdtempSync(path.join(os.tmpdir(), 'gw-redis-'))
  let proc: ChildProcess | undefined
  const server: RedisServer = {
    port,
    url: `redis://127.0.0.1:${port}/0`,
    async start () {
      proc = spawnServer(port, [], dir)
      await waitForPing(port)
    },
    async stop () { await kill(proc) },
    pause () { proc?.kill('SIGSTOP') },
    resume () { proc?.kill('SIGCONT') }
  }
  await server.start()
  t.after(async () => {
    await server.stop()
    rmSync(dir, { recursive: true, force: true })
  })
  return server
}

export interface RedisClusterHandle { nodes: string; ports: number[]; client(): Redis; stop(): Promise<void> }

/**
 * Three masters, no replicas, slots spread by redis-cli. The caller registers `stop` with
 * `t.after` once its apps are built (after-hooks run in order: apps close first, so their clients
 * do not chase a vanished cluster); process exit kills the servers in any case.
 */
export async function startRedisCluster (): Promise<RedisClusterHandle> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'gw-redis-cluster-'))
  const ports = [await freePort(), await freePort(), await freePort()]
  const procs = ports.map((port) => spawnServer(port, ['--cluster-enabled', 'yes', '--cluster-config-file', path.join(dir, `nodes-${port}.conf`), '--cluster-node-timeout', '2000'], dir))
  const stop = async (): Promise<void> => {
    await Promise.all(procs.map(kill))
    rmSync(dir, { recursive: true, force: true })
  }
  await Promise.all(ports.map((p) => waitForPing(p)))
  await run(REDIS_CLI, ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes'])
  // Wait until every node agrees the cluster is up.
  const deadline = Date.now() + 10_000
  for (const port of ports) {
    for (;;) {
      const { stdout } = await run(REDIS_CLI, ['-p', String(port), 'cluster', 'info'])
      if (stdout.includes('cluster_state:ok')) break
      if (Date.now() > deadline) throw new Error('Redis cluster did not reach cluster_state:ok')
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }
  return { nodes: ports.map((p) => `127.0.0.1:${p}`).join(','), ports, client: () => new Redis(ports[0]!, '127.0.0.1'), stop }
}
