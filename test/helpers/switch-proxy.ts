/**
 * A TCP proxy whose target can be switched: every open connection is dropped and new ones go to
 * the new target. A real way to make "the server at this address" restart as another one, or
 * vanish (switch to a port nothing listens on), without touching the shared cluster.
 */
import net from 'node:net'

export interface SwitchProxy { port: number; switchTo (port: number): void; close (): Promise<void> }

export async function startSwitchProxy (host: string, initialPort: number): Promise<SwitchProxy> {
  let target = initialPort
  const sockets = new Set<net.Socket>()
  const server = net.createServer((client) => {
    const upstream = net.connect(target, host)
    for (const s of [client, upstream]) {
      sockets.add(s)
      s.on('close', () => sockets.delete(s))
      s.on('error', () => {})
    }
    client.pipe(upstream)
    upstream.pipe(client)
    client.on('close', () => upstream.destroy())
    upstream.on('close', () => client.destroy())
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const dropAll = (): void => { for (const s of sockets) s.destroy() }
  return {
    port: (server.address() as net.AddressInfo).port,
    switchTo (port) { target = port; dropAll() },
    async close () { dropAll(); await new Promise<void>((resolve) => server.close(() => resolve())) }
  }
}

/** A local port nothing listens on (bound, then released). */
export async function deadPort (): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as net.AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}
