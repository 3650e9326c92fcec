/**
 * The replica manager in the app: `app.db.replicaManager` already runs its health loop (started by
 * the client's connect(), stopped by its close()); this plugin makes its state changes visible in
 * the log (the monitoring issue turns the same events into metrics and alerts).
 */
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import type { NodeStateChange } from '../src/replicas/index.js'

async function replicasPlugin (app: FastifyInstance) {
  const manager = app.db.replicaManager
  const onChange = (change: NodeStateChange): void => {
    const bad = change.to === 'out-of-rotation' || change.to === 'down' || change.to === 'read-only'
    const message = change.role === 'primary' ? `primary is ${change.to}` : `replica ${change.node} is ${change.to}`
    if (bad) app.log.warn(change, message)
    else if (change.from !== 'unknown') app.log.info(change, message)
  }
  manager.on('stateChange', onChange)
  // Changes seen by the first round (during connect) are logged too.
  for (const r of manager.checkReplicationLag()) {
    if (r.state === 'out-of-rotation') app.log.warn({ node: r.name, reason: r.reason, error: r.error }, `replica ${r.name} is out-of-rotation`)
  }
  app.addHook('onReady', async () => { await manager.start() })
  app.addHook('onClose', async () => {
    manager.off('stateChange', onChange)
    manager.stop()
  })
}

export default fp(replicasPlugin, { name: 'gateway-replicas', dependencies: ['gateway-config', 'gateway-db'], fastify: '5.x' })
