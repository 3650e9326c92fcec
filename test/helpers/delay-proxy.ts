/**
 * A TCP proxy that delays every chunk by a fixed time in each direction: a real, slower path to a
 * real server (for the latency strategy), not a mock of it.
 */
import net from 'node:net'

export interface DelayProxy { port: number; close (): Promise<void> }

export async function startDelayProxy (target: { host: string; port: number }, delayMs: number): Promise<DelayProxy> {
  const sockets = new Set<net.Socket>()
  const delayed = (from: net.Socket, to: net.Socket): void => {
    from.on('data', (chunk) => { setTimeout(() => { if (!to.destroyed) to.write(chunk) }, delayMs) })
    from.on('end', () => { setTimeout(() => to.end(), delayMs) })
    from.on('error', () => to.destroy())
    from.on('close', () => to.destroy())
  }
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host)
    for (const s of [client, upstream]) { sockets.add(s); s.on('close', () => sockets.delete(s)) }
    delayed(client, upstream)
    delayed(upstream, client)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    port: (server.address() as net.AddressInfo).port,
    async close () {
      for (const s of sockets) s.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  }
}
