/**
 * Fuzz suite (#13): every Upbit normalizer (REST and WebSocket DEFAULT / SIMPLE / list formats,
 * every model kind), `parseExactJson`, the WebSocket frame classifier and the REST / WS error
 * mappers, fed with the recorded fixtures and hostile mutations of them: truncation, byte flips,
 * invalid UTF-8, type swaps, huge and tiny numbers, 1 MB strings, deep nesting and prototype keys.
 *
 * Properties:
 * 1. only Backbone errors escape (`BackboneError.isInstance`), never a raw TypeError/RangeError;
 * 2. no call takes more than linear time in its input (a generous per-byte budget: a quadratic
 *    pass over a 1 MB payload would take minutes);
 * 3. valid inputs still normalize exactly: unknown fields with hostile values added to a fixture
 *    leave its result equal to the unmutated one.
 *
 * `pnpm test` runs a short pass (FUZZ_RUNS unset: 2,000 payloads, ~7,000 calls, a few seconds);
 * `FUZZ_RUNS=100000 pnpm --filter @bb/unifier test:fuzz` runs the long one (FUZZ_RUNS payloads in
 * all) and prints the payload count, the non-Backbone exceptions and the slowest payload;
 * `FUZZ_SEED=<n>` replays a run.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { BackboneError } from '@bb/errors'
import type { ModelKind } from '@bb/exchange-adapter'
import type { CandleInterval } from '@bb/models'
import { createUnifier, parseExactJson } from '@bb/unifier'
import fc from 'fast-check'
import { afterAll, describe, expect, it } from 'vitest'
import { upbit } from '../index.js'

// FUZZ_RUNS is the total number of payloads, shared by the four groups below (3 : 3 : 3 : 1).
const RUNS = Math.max(20, Number(process.env.FUZZ_RUNS ?? 2000) || 2000)
const GROUP_RUNS = Math.floor((RUNS * 3) / 10)
const EXACT_RUNS = RUNS - 3 * GROUP_RUNS
const LONG = process.env.FUZZ_RUNS !== undefined
// The short pass in `pnpm test` is deterministic (a fixed seed: its time varied 1–12 s with the
// seed, and more under CI load); the long run explores with a fresh seed unless FUZZ_SEED is set.
const SEED =
  process.env.FUZZ_SEED !== undefined
    ? Number(process.env.FUZZ_SEED)
    : process.env.FUZZ_RUNS === undefined
      ? 20_261_202
      : undefined
const RECEIVED = 1_730_336_863_000

function readFixtures(dir: URL): Map<string, string> {
  const out = new Map<string, string>()
  for (const name of readdirSync(dir).sort()) {
    if (name.endsWith('.jsonl')) out.set(name.slice(0, -6), readFileSync(new URL(name, dir), 'utf8').trim())
  }
  return out
}

// Every recorded Upbit payload: the normalizer fixtures and the recorded error bodies.
const UNIFIER_FIXTURES = readFixtures(new URL('../__fixtures__/', import.meta.url))
const ADAPTER_FIXTURES = UNIFIER_FIXTURES

/** REST fixtures → the model kind (and interval) they normalize to. */
const REST_KINDS: Readonly<Record<string, { kind: ModelKind; interval?: CandleInterval }>> = {
  'rest-accounts': { kind: 'balance' },
  'rest-candles-seconds': { kind: 'candle', interval: '1s' },
  'rest-candles-minutes': { kind: 'candle' },
  'rest-candles-days': { kind: 'candle', interval: '1d' },
  'rest-candles-weeks': { kind: 'candle', interval: '1w' },
  'rest-candles-months': { kind: 'candle', interval: '1M' },
  'rest-candles-years': { kind: 'candle', interval: '1y' },
  'rest-markets': { kind: 'market' },
  'rest-order': { kind: 'order' },
  'rest-orders-open': { kind: 'order' },
  'rest-orderbook': { kind: 'orderbook' },
  'rest-ticker': { kind: 'ticker' },
  'rest-trades': { kind: 'trade' },
}
const WS_FIXTURES = [...UNIFIER_FIXTURES.keys()].filter((name) => name.startsWith('ws-'))
const ERROR_BODIES = [...ADAPTER_FIXTURES.entries()].filter(([name]) => name.startsWith('error-'))
const STATUSES = [400, 401, 403, 404, 418, 429, 500, 503]

const unifiers = { fast: createUnifier(upbit), strict: createUnifier(upbit, { validate: 'strict' }) }

// ---------------------------------------------------------------------------------------------
// Mutations

const KB = 1024
const MB = 1024 * KB
const BIG_STRINGS = [
  'a'.repeat(MB),
  'eyJ-'.repeat(MB / 4),
  `eyJ${'.'.repeat(MB)}`,
  'token=a&'.repeat(MB / 8),
  `Bearer ${' '.repeat(MB)}`,
  '\\u0000'.repeat(KB),
]
/** Raw JSON tokens put where a value was. */
const HOSTILE_TOKENS = [
  'null',
  'true',
  '[]',
  '{}',
  '""',
  '"abc"',
  '0',
  '-0',
  '-1',
  '1e400',
  '-1e400',
  '1e-400',
  '"1e9000000000000001"',
  '"1e-9000000000000001"',
  '123456789012345678901234567890123456789012345678901234567890',
  '-123456789012345678901234567890123456789012345678901234567890.5',
  '0.000000000000000000000000000000000000000000000000000000000001',
  '"NaN"',
  '"Infinity"',
  '1.7976931348623157e308',
  '5e-324',
  '{"toString":1,"valueOf":2}',
  '{"toStringTag":"[object Decimal]","d":5,"s":1,"e":0}',
  '{"__proto__":{"ty":"trade"}}',
  '"__proto__"',
  '"constructor"',
  '"toString"',
  `"${'9'.repeat(100 * KB)}"`,
  '9'.repeat(100 * KB),
  `${'['.repeat(10_000)}${']'.repeat(10_000)}`,
  `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`,
  ...BIG_STRINGS.map((s) => JSON.stringify(s)),
]
const FLIP_CHARS = [
  '"',
  '{',
  '}',
  '[',
  ']',
  ':',
  ',',
  '.',
  '-',
  'e',
  '0',
  '9',
  '\\',
  ' ',
  '\u0000',
  '\uFFFD',
  'é',
]
/** Byte sequences that are not UTF-8: a lone continuation, an overlong, a surrogate, 0xFF. */
const INVALID_UTF8 = [
  [0x80],
  [0xc3, 0x28],
  [0xc0, 0xaf],
  [0xed, 0xa0, 0x80],
  [0xff],
  [0xf4, 0x90, 0x80, 0x80],
]
const PROTO_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf']

type Mutation =
  | { op: 'truncate'; at: number }
  | { op: 'flip'; at: number; char: string }
  | { op: 'utf8'; at: number; bytes: number[] }
  | { op: 'swap'; at: number; token: string }
  | { op: 'protoKey'; key: string; token: string }
  | { op: 'typeField'; key: 'ty' | 'type'; value: string }

const position = fc.double({ min: 0, max: 1, noNaN: true })
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('truncate' as const), at: position }),
  fc.record({ op: fc.constant('flip' as const), at: position, char: fc.constantFrom(...FLIP_CHARS) }),
  fc.record({ op: fc.constant('utf8' as const), at: position, bytes: fc.constantFrom(...INVALID_UTF8) }),
  fc.record({ op: fc.constant('swap' as const), at: position, token: fc.constantFrom(...HOSTILE_TOKENS) }),
  fc.record({
    op: fc.constant('protoKey' as const),
    key: fc.constantFrom(...PROTO_KEYS),
    token: fc.constantFrom(...HOSTILE_TOKENS),
  }),
  fc.record({
    op: fc.constant('typeField' as const),
    key: fc.constantFrom('ty' as const, 'type' as const),
    value: fc.constantFrom(...PROTO_KEYS, 'trade', 'ticker', 'candle.1m', 'myAsset'),
  }),
)

/** Spans of the value tokens of a JSON text (after `:` or `,`/`[` inside arrays), roughly. */
function valueSpans(text: string): [number, number][] {
  const spans: [number, number][] = []
  for (let i = 0; i < text.length && spans.length < 4096; i++) {
    const c = text[i]
    if (c !== ':') continue
    let start = i + 1
    while (text[start] === ' ') start++
    let end = start
    if (text[start] === '"') {
      end++
      while (end < text.length && text[end] !== '"') end += text[end] === '\\' ? 2 : 1
      end++
    } else {
      while (end < text.length && !',}]'.includes(text[end]!)) end++
    }
    spans.push([start, end])
  }
  return spans
}

/** Applies mutations to a text; `utf8` ones make the result bytes. */
function mutate(text: string, mutations: readonly Mutation[]): string | Buffer {
  let out = text
  const inserts: { at: number; bytes: number[] }[] = []
  for (const m of mutations) {
    const at = Math.floor(m.op === 'protoKey' || m.op === 'typeField' ? 0 : m.at * out.length)
    switch (m.op) {
      case 'truncate':
        out = out.slice(0, at)
        break
      case 'flip':
        out = `${out.slice(0, at)}${m.char}${out.slice(at + 1)}`
        break
      case 'utf8':
        inserts.push({ at: Math.floor(m.at * 1e9), bytes: m.bytes })
        break
      case 'swap': {
        const spans = valueSpans(out)
        const span = spans[Math.floor(m.at * spans.length)]
        if (span) out = `${out.slice(0, span[0])}${m.token}${out.slice(span[1])}`
        break
      }
      case 'protoKey': {
        const open = out.indexOf('{')
        if (open !== -1)
          out = `${out.slice(0, open + 1)}${JSON.stringify(m.key)}:${m.token},${out.slice(open + 1)}`
        break
      }
      case 'typeField': {
        const open = out.indexOf('{')
        if (open !== -1)
          out = `${out.slice(0, open + 1)}${JSON.stringify(m.key)}:${JSON.stringify(m.value)},${out.slice(open + 1)}`
        break
      }
    }
  }
  if (inserts.length === 0) return out
  const bytes = Buffer.from(out, 'utf8')
  const parts: Buffer[] = []
  let last = 0
  for (const insert of inserts
    .map((i) => ({ ...i, at: i.at % (bytes.length + 1) }))
    .sort((a, b) => a.at - b.at)) {
    parts.push(bytes.subarray(last, insert.at), Buffer.from(insert.bytes))
    last = insert.at
  }
  parts.push(bytes.subarray(last))
  return Buffer.concat(parts)
}

// ---------------------------------------------------------------------------------------------
// The harness: counts payloads, non-Backbone exceptions and the slowest call.

const stats = { payloads: 0, calls: 0, nonBackbone: 0, slowestMs: 0, slowestBytes: 0, slowestTarget: '' }
const failures: string[] = []

/** The time budget of one call: generous (a loaded 2-core machine), linear in the input. */
function budgetMs(bytes: number): number {
  return 250 + bytes / 1024 // 250 ms + 1 ms per KB: ~1.3 s for 1 MB; a quadratic pass takes minutes
}

function progress(): string {
  return `fuzz: ${stats.payloads} payloads (${stats.calls} calls), ${stats.nonBackbone} non-Backbone exceptions, slowest ${stats.slowestMs.toFixed(1)} ms (${stats.slowestTarget}, ${stats.slowestBytes} bytes)`
}

function run(target: string, input: string | Buffer, call: () => unknown): unknown {
  stats.calls++
  const start = performance.now()
  let result: unknown
  try {
    result = call()
  } catch (error) {
    if (!BackboneError.isInstance(error)) {
      stats.nonBackbone++
      if (failures.length < 5)
        failures.push(`${target}: ${String(error).slice(0, 200)} on ${String(input).slice(0, 200)}`)
    }
  }
  let ms = performance.now() - start
  // A GC pause or a busy machine can stall any call once; a superlinear one is slow every time.
  // Over budget, the call is timed twice more and the fastest of the three counts.
  for (let retry = 0; retry < 2 && ms >= budgetMs(input.length); retry++) {
    const again = performance.now()
    try {
      call()
    } catch {
      // counted above
    }
    ms = Math.min(ms, performance.now() - again)
  }
  if (stats.calls % 20_000 === 0 && LONG) process.stderr.write(`${progress()}\n`)
  if (ms > stats.slowestMs) {
    stats.slowestMs = ms
    stats.slowestBytes = input.length
    stats.slowestTarget = target
  }
  expect(ms, `${target} took ${ms.toFixed(0)} ms on ${input.length} bytes`).toBeLessThan(
    budgetMs(input.length),
  )
  return result
}

const text = (input: string | Buffer): string => (typeof input === 'string' ? input : input.toString('utf8'))

/** Every target a mutated REST payload goes through. */
function restTargets(name: string, input: string | Buffer): void {
  const { kind, interval } = REST_KINDS[name]!
  const context = interval === undefined ? { source: 'rest' as const } : { source: 'rest' as const, interval }
  for (const [mode, unifier] of Object.entries(unifiers)) {
    run(`normalizeAll ${kind} ${mode}`, input, () => unifier.normalizeAll(kind, text(input), context))
  }
  run('parseExactJson', input, () => parseExactJson(text(input)))
}

/** Every target a mutated WS frame goes through. */
function wsTargets(input: string | Buffer): void {
  for (const [mode, unifier] of Object.entries(unifiers)) {
    run(`normalizeFrame ${mode}`, input, () => unifier.normalizeFrame(input, { receivedAt: RECEIVED }))
  }
  const parsed = run('parseExactJson', input, () => parseExactJson(text(input)))
  if (parsed === undefined) return
  run('ws.classify', input, () => {
    const cls = upbit.ws.classify(parsed)
    if (cls.type === 'error') upbit.ws.mapError(cls)
    if (Array.isArray(parsed)) for (const item of parsed.slice(0, 100)) upbit.ws.classify(item)
    return cls
  })
}

/** The REST error mapper, with hostile headers too. */
function errorTargets(input: string | Buffer, status: number, headers: Record<string, string>): void {
  // The headers are server text too: the size the time budget allows for includes them.
  const headerText = Object.entries(headers).join('\n')
  run(`rest.mapError ${status}`, headerText.length > 0 ? `${text(input)}\n${headerText}` : input, () => {
    const error = upbit.rest.mapError({
      status,
      body: input,
      headers,
      request: { method: 'GET', path: '/v1/ticker', query: [['markets', 'KRW-NOPE']], group: 'ticker' },
    })
    expect(BackboneError.isInstance(error)).toBe(true)
    return error
  })
}

const mutations = fc.array(mutation, { minLength: 1, maxLength: 3 })
const params = (runs: number): fc.Parameters<unknown> => ({
  numRuns: runs,
  ...(SEED === undefined ? {} : { seed: SEED }),
  endOnFailure: true,
})

describe(`fuzz: ${RUNS} payloads${LONG ? ' (long run)' : ''}`, () => {
  const timeout = LONG ? 3_600_000 : 180_000

  it(
    'REST normalizers and parseExactJson: only Backbone errors, linear time',
    () => {
      fc.assert(
        fc.property(fc.constantFrom(...Object.keys(REST_KINDS)), mutations, (name, list) => {
          stats.payloads++
          restTargets(name, mutate(UNIFIER_FIXTURES.get(name)!, list))
        }),
        params(GROUP_RUNS),
      )
      expect(failures).toEqual([])
    },
    timeout,
  )

  it(
    'WS frames (DEFAULT, SIMPLE, lists, status, error, subscriptions) and the classifier',
    () => {
      fc.assert(
        fc.property(fc.constantFrom(...WS_FIXTURES), mutations, (name, list) => {
          stats.payloads++
          wsTargets(mutate(UNIFIER_FIXTURES.get(name)!, list))
        }),
        params(GROUP_RUNS),
      )
      expect(failures).toEqual([])
    },
    timeout,
  )

  it(
    'REST and WS error mappers on recorded error bodies',
    () => {
      const header = fc.constantFrom(
        {},
        { 'retry-after': '1' },
        { 'retry-after': '9'.repeat(400) },
        { 'retry-after': 'Wed, 21 Oct 2015 07:28:00 GMT', date: 'x' },
        { 'remaining-req': 'group=ticker; min=1; sec=0' },
        { 'remaining-req': `group=${'x'.repeat(MB)}; sec=${'9'.repeat(400)}` },
      )
      const body = fc.oneof(
        fc.constantFrom(...ERROR_BODIES.map(([, b]) => b)),
        fc.constantFrom(
          ...WS_FIXTURES.filter((n) => n.startsWith('ws-error')).map((n) => UNIFIER_FIXTURES.get(n)!),
        ),
      )
      fc.assert(
        fc.property(body, mutations, fc.constantFrom(...STATUSES), header, (seed, list, status, headers) => {
          stats.payloads++
          const input = mutate(seed, list)
          errorTargets(input, status, headers)
          // The same body as a WS error frame: the classifier and the WS mapper (the WS group
          // runs the frame normalizers).
          const parsed = run('parseExactJson', input, () => parseExactJson(text(input)))
          if (parsed !== undefined)
            run('ws.classify + ws.mapError', input, () => {
              const cls = upbit.ws.classify(parsed)
              return cls.type === 'error' ? upbit.ws.mapError(cls) : cls
            })
        }),
        params(GROUP_RUNS),
      )
      expect(failures).toEqual([])
    },
    timeout,
  )

  it(
    'valid inputs still normalize exactly: hostile unknown fields change nothing',
    () => {
      const extraKey = fc.constantFrom('zz_fuzz', '__proto__', 'constructor', 'prototype', 'hasOwnProperty')
      const seeds = [...Object.keys(REST_KINDS), ...WS_FIXTURES]
      const baseline = new Map<string, string>()
      const render = (name: string, input: string): string => {
        const rest = REST_KINDS[name]
        const value = rest
          ? unifiers.strict.normalizeAll(rest.kind, input, {
              source: 'rest',
              receivedAt: RECEIVED,
              ...(rest.interval ? { interval: rest.interval } : {}),
            })
          : unifiers.strict.normalizeFrame(input, { receivedAt: RECEIVED })
        return JSON.stringify(value, (_k, v: unknown) =>
          v instanceof BackboneError ? { name: v.name, message: v.shortMessage } : v,
        )
      }
      for (const name of seeds) baseline.set(name, render(name, UNIFIER_FIXTURES.get(name)!))
      fc.assert(
        fc.property(
          fc.constantFrom(...seeds),
          extraKey,
          fc.constantFrom(...HOSTILE_TOKENS),
          (name, key, token) => {
            stats.payloads++
            const seed = UNIFIER_FIXTURES.get(name)!
            const open = seed.indexOf('{')
            const input = `${seed.slice(0, open + 1)}${JSON.stringify(key)}:${token},${seed.slice(open + 1)}`
            const rendered = run('exact', input, () => render(name, input))
            expect(rendered).toBe(baseline.get(name))
          },
        ),
        params(EXACT_RUNS),
      )
    },
    timeout,
  )

  afterAll(() => {
    console.log(progress())
    expect(stats.nonBackbone, failures.join('\n')).toBe(0)
  })
})
