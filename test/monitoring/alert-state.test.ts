import { test } from 'node:test'
import assert from 'node:assert/strict'
import { INITIAL, step, type RuleMemory, type Timing } from '../../src/monitoring/alerts/state-machine.js'
import type { Transition } from '../../src/monitoring/alerts/types.js'
import { mulberry32, runSeed } from '../helpers/random.js'

const timing: Timing = { forMs: 60_000, keepFiringMs: 60_000 }
type Input = [atMs: number, judgement: boolean | null]

/** Runs a schedule through the machine; returns the transitions with their step's time and episode. */
function run (inputs: Input[], t: Timing = timing): { memory: RuleMemory; emitted: Array<{ at: number; transition: Transition; episode: number; startsAt?: number }> } {
  let memory = INITIAL
  const emitted: Array<{ at: number; transition: Transition; episode: number; startsAt?: number }> = []
  for (const [at, judgement] of inputs) {
    const r = step(memory, judgement, at, t)
    memory = r.next
    if (r.transition) emitted.push({ at, transition: r.transition, episode: r.next.episode, ...(r.startsAt !== undefined ? { startsAt: r.startsAt } : {}) })
  }
  return { memory, emitted }
}

const every15s = (from: number, judgements: Array<boolean | null>): Input[] => judgements.map((j, i) => [from + i * 15_000, j])

test('a blip shorter than ALERT_FOR goes pending and back to inactive, and notifies nobody', () => {
  const { memory, emitted } = run(every15s(0, [true, true, true, false, false]))
  assert.deepEqual(emitted, [])
  assert.equal(memory.state, 'inactive')
  assert.equal(memory.episode, 0)
  // The blip's pending state is visible while it lasts.
  assert.equal(run(every15s(0, [true, true])).memory.state, 'pending')
})

test('a breach held for ALERT_FOR fires once, with episode 1', () => {
  const { memory, emitted } = run(every15s(0, [true, true, true, true, true, true, true]))
  assert.deepEqual(emitted.map((e) => [e.transition, e.at, e.episode]), [['firing', 60_000, 1]])
  assert.equal(memory.state, 'firing')
  assert.equal(memory.since, 60_000)
})

test('a firing alert whose condition clears for less than ALERT_KEEP_FIRING stays firing, and the clock restarts on a new breach', () => {
  const held = every15s(0, [true, true, true, true, true])
  const { memory, emitted } = run([...held, ...every15s(75_000, [false, false, false, true, false, false, false])])
  assert.deepEqual(emitted.map((e) => e.transition), ['firing'])
  assert.equal(memory.state, 'firing')
  assert.equal(memory.clearSince, 135_000)
})

test('a clear held for ALERT_KEEP_FIRING resolves the episode it ends, with its start', () => {
  const { memory, emitted } = run(every15s(0, [true, true, true, true, true, false, false, false, false, false]))
  assert.deepEqual(emitted.map((e) => [e.transition, e.at, e.episode, e.startsAt]), [['firing', 60_000, 1, 60_000], ['resolved', 135_000, 1, 60_000]])
  assert.equal(memory.state, 'inactive')
})

test('regression (Alertmanager #2398): a flapping alert sends firing, resolved, firing, resolved — every resolve', () => {
  const t: Timing = { forMs: 0, keepFiringMs: 0 }
  const { emitted } = run(every15s(0, [true, false, true, false]), t)
  assert.deepEqual(emitted.map((e) => [e.transition, e.episode]), [['firing', 1], ['resolved', 1], ['firing', 2], ['resolved', 2]])
  // With hysteresis the same flap within ALERT_KEEP_FIRING is one episode, still resolved at the end.
  const slow = run(every15s(0, [true, false, true, false, true, false, false, false, false, false]), { forMs: 0, keepFiringMs: 30_000 })
  assert.deepEqual(slow.emitted.map((e) => [e.transition, e.episode]), [['firing', 1], ['resolved', 1]])
})

test('null judgements keep the state and its timers: they neither confirm nor clear', () => {
  // Pending survives nulls; the breach that resumes after them is measured from its first reading.
  const pending = run(every15s(0, [true, null, null, true]))
  assert.equal(pending.memory.state, 'pending')
  assert.equal(run(every15s(0, [true, null, null, null, true])).emitted[0]?.at, 60_000)
  // Firing survives nulls however long they last; only real clear readings resolve it.
  const firing = run([...every15s(0, [true, true, true, true, true]), ...every15s(75_000, Array(40).fill(null))])
  assert.equal(firing.memory.state, 'firing')
  assert.deepEqual(firing.emitted.map((e) => e.transition), ['firing'])
  // An inactive rule stays inactive.
  assert.deepEqual(run(every15s(0, [null, null])).memory, INITIAL)
})

test('ALERT_FOR=0 fires on the first breach', () => {
  assert.deepEqual(run([[5, true]], { forMs: 0, keepFiringMs: 60_000 }).emitted.map((e) => e.transition), ['firing'])
})

test('property: on random schedules, transitions happen exactly when the history says and alternate with consecutive episodes', (t0) => {
  const seed = runSeed('ALERT_STATE_SEED')
  t0.diagnostic(`ALERT_STATE_SEED=${seed}`)
  for (let round = 0; round < 500; round++) {
    const rand = mulberry32(seed + round)
    const t: Timing = { forMs: rand(4) * 10_000, keepFiringMs: rand(4) * 10_000 }
    const inputs: Input[] = []
    let at = 0
    for (let i = 0, n = 5 + rand(60); i < n; i++) {
      at += rand(25_000)
      const r = rand(10)
      inputs.push([at, r < 2 ? null : r < 6]) // true 40 %, false 40 %, null 20 %
    }
    const where = `seed ${seed}, round ${round}, timing ${JSON.stringify(t)}, inputs ${JSON.stringify(inputs)}`

    // The reference model reads the history directly: nulls are skipped; a breach's start is the
    // first true after the last false, a clear's start the first false after the last true.
    let memory = INITIAL
    let firing = false
    let episode = 0
    const judged: Input[] = []
    for (const input of inputs) {
      const r = step(memory, input[1], input[0], t)
      memory = r.next
      if (input[1] !== null) judged.push(input)
      const runStart = (value: boolean): number => {
        let i = judged.length - 1
        while (i > 0 && judged[i - 1]![1] === value) i--
        return judged[i]![0]
      }
      let expected: Transition | undefined
      if (input[1] === true && !firing && input[0] - runStart(true) >= t.forMs) expected = 'firing'
      if (input[1] === false && firing && input[0] - runStart(false) >= t.keepFiringMs) expected = 'resolved'
      assert.equal(r.transition, expected, `at ${input[0]}: ${where}`)
      if (expected === 'firing') { firing = true; episode++ }
      if (expected === 'resolved') firing = false
      assert.equal(memory.episode, episode, where)
      assert.equal(memory.state === 'firing', firing, where)
      if (input[1] === false && !firing) assert.equal(memory.state, 'inactive', `a clear reading ends pending: ${where}`)
    }
  }
})
