/**
 * `npm run bench` (SPEC §7, issue 7): the load scenarios of load/suite/scenarios.ts against the
 * gateway (cache on with Redis, L1 only, CACHE_ENABLED=false) and hand-written baselines (Fastify +
 * pg with the same SQL and pool size, Fastify + ioredis cache-aside, static JSON, a hand-written
 * write transaction), side by side in one run: alternating rounds, medians, one markdown table of
 * ratios, the before/after table (everything off vs on) and a detail table of the raw figures.
 *
 *   npm run bench -- [--duration 10] [--rounds 3] [--connections 32] [--warmup 1] [--pool 20]
 *                    [--scenarios user-by-id,hot-set] [--targets gateway,fastify-pg] [--json out.json]
 *   npm run test:performance -- --category=cache|queries|connections|writes|graphql|mixed|monitoring[,…]
 *   tsx load/run-scenario.ts <scenario> --target <target> --duration 10   (one run alone)
 *
 * DATABASE_URL (default postgres://postgres@127.0.0.1:5432/gateway_bench) is created, migrated
 * and seeded at scale 1 when missing or empty. REDIS_URL (default redis://127.0.0.1:6379/14),
 * keys under a random prefix removed afterwards. DATABASE_READ_URLS, when set, is given to the
 * cache-on gateway ("everything on"). Servers run in one child process, autocannon here. A
 * progress line per run goes to stderr, the tables to stdout. Application status moves made by
 * the write scenarios are put back at the end.
 *
 * Figures per run: req/s, p50/p95/p99 (every response), errors, timeouts, non-2xx; hit rate from
 * the gateway's GET /admin/cache/stats deltas (response tier; query tier apart); SQL statements
 * per request from the targets' own counters (the gateway's 'query' events; requests still in
 * flight when a run stops add a little); Redis commands per request: the gateway's own count (a
 * script is one command, one round trip), for the baselines INFO commandstats (server-wide, so
 * other clients of that Redis add noise). load/replica-bench.ts (routing and
 * failover on its own primary + 2 replicas) stays a separate script; the old load/cache-bench.ts
 * (100 hot ids, which flattered the cache) is replaced by the hot-set and user-by-id scenarios.
 */
import { writeFileSync } from 'node:fs'
import { maskUrl } from '../src/config/database.js'
import { Args } from './suite/args.js'
import { comparisonsFor } from './suite/comparisons.js'
import { progressLine, runScenario, type RunResult } from './suite/measure.js'
import { planPairs, roundOrder } from './suite/plan.js'
import { beforeAfterTable, detailTable, ratios, ratioTable, summarize } from './suite/report.js'
import { seedFor } from './suite/scenarios.js'
import { openSession } from './suite/session.js'
import type { TargetName } from './suite/targets.js'

async function main (): Promise<void> {
  const args = new Args()
  const duration = args.number('duration', 10)
  const rounds = Math.round(args.number('rounds', 3))
  const connections = Math.round(args.number('connections', 32))
  const warmup = args.string('warmup') === '0' ? 0 : args.number('warmup', Math.min(1, duration / 4))
  const categories = args.list('category')
  const comparisons = comparisonsFor(categories)
  const pairs = planPairs({ comparisons, scenarios: args.list('scenarios'), targets: args.list('targets'), everything: categories === undefined })
  if (pairs.length === 0) throw new Error('nothing to run: no scenario/target pair matches the options')
  const targets = [...new Set(pairs.map((p) => p.target))] as TargetName[]
  if (rounds < 3) console.error(`note: ${rounds} round(s); SPEC §7 asks for medians of at least 3`)

  const session = await openSession({ targets, pool: Math.round(args.number('pool', 20)) })
  const runs: RunResult[] = []
  try {
    console.error(`${pairs.length} runs per round × ${rounds} rounds, ${duration} s each (+ ${warmup} s warm-up)`)
    for (let round = 1; round <= rounds; round++) {
      for (const { scenario, target } of roundOrder(pairs, round)) {
        const r = await runScenario(scenario, target, session.servers, session.redis, session.context(seedFor(scenario.name, round)), { duration, connections, warmup, round })
        runs.push(r)
        console.error(progressLine(r))
      }
    }
  } finally {
    await session.close()
  }

  const summaries = summarize(runs)
  const rows = ratios(comparisons, summaries)
  const replicas = (process.env.DATABASE_READ_URLS ?? '').trim() !== ''
  console.log(`\n${maskUrl(session.databaseUrl)}: ${session.data.userIds.length} users; node ${process.version}; ${rounds} round(s) × ${duration} s, ` +
    `${connections} connections (connections scenario: 500), pool ${args.number('pool', 20)}; medians over rounds\n`)
  if (rows.length > 0) console.log(`${ratioTable(rows)}\n`)
  console.log(`${beforeAfterTable(summaries, replicas)}\n`)
  console.log(detailTable(summaries))
  const json = args.string('json')
  if (json !== undefined) {
    writeFileSync(json, JSON.stringify({ options: { duration, rounds, connections, warmup, categories, targets }, runs, summaries, ratios: rows.map((r) => ({ label: r.label, ratio: r.ratio })) }, null, 2))
    console.error(`wrote ${json}`)
  }
  const failed = runs.filter((r) => r.requests === 0)
  if (failed.length > 0) {
    console.error(`runs without a single response: ${failed.map((r) => `${r.scenario}/${r.target}`).join(', ')}`)
    process.exitCode = 1
  }
}

main().then(() => process.exit(process.exitCode ?? 0), (err: unknown) => { console.error(err); process.exit(1) })
