/**
 * The conformance kit: checks any {@link ExchangeAdapter} against its contract, recorded raw
 * payloads and expected normalized output (through `@bb/unifier`, compiled strict). Each
 * exchange package runs it in its own tests. Framework-neutral: {@link conformanceChecks} returns
 * named checks that throw on failure, so vitest (or any runner) runs each as a test;
 * {@link runConformance} returns a report and {@link assertConformance} throws one error listing
 * every failure. {@link fixtureExchange} is a small second adapter of another symbol form
 * (`BTCUSDT`), for tests that must hold for more than one exchange.
 *
 * @example
 * ```ts
 * import { conformanceChecks, fixtureExchange } from '@bb/adapter-testing'
 * import { describe, it } from 'vitest'
 * describe('fixture exchange conformance', () => {
 *   for (const check of conformanceChecks({ adapter: fixtureExchange, symbols: ['BTCUSDT'] })) it(check.name, check.run)
 * })
 * ```
 *
 * @packageDocumentation
 */
import { BackboneError } from '@bb/errors'
import {
  type Credentials,
  type ErrorResponse,
  type ExchangeAdapter,
  MODEL_KINDS,
  type ModelKind,
  type RawShape,
  type RestRequest,
} from '@bb/exchange-adapter'
import {
  CANDLE_INTERVALS,
  type CandleInterval,
  Decimal,
  parseBalance,
  parseCandle,
  parseMarket,
  parseOrder,
  parseOrderbook,
  parseTicker,
  parseTrade,
  type Source,
} from '@bb/models'
import { createUnifier } from '@bb/unifier'

export { fixtureExchange } from './fixture-exchange.js'

/** The part of a unifier the kit uses (a `@bb/unifier` `Unifier` satisfies it). */
export interface ConformanceNormalizer {
  /** Normalizes a REST body or container to models. */
  normalizeAll(
    kind: ModelKind,
    raw: unknown,
    context: { source: Source; receivedAt?: number; interval?: CandleInterval },
  ): unknown[]
  /** Normalizes one WS frame. */
  normalizeFrame(
    frame: string,
    context?: { receivedAt?: number },
  ): { kind: string; values?: readonly unknown[] }
}

/** One recorded raw payload and the normalized values it must produce. */
export interface RecordedPayload {
  /** A name for the check. */
  readonly name: string
  /** `rest` for a REST body (then `kind` is required), `ws` for a WebSocket frame. */
  readonly source: 'rest' | 'ws'
  /** The model kind of a REST body. */
  readonly kind?: ModelKind
  /** The raw text exactly as recorded. */
  readonly raw: string
  /** Normalization context for REST bodies (e.g. the candle interval). */
  readonly interval?: CandleInterval
  /**
   * Expected values, one per normalized value, as plain data: decimals as strings
   * (`{ price: '100473000' }`). Only the listed fields are compared.
   */
  readonly expected: readonly Readonly<Record<string, unknown>>[]
}

/** An error response and the `@bb/errors` class name it must map to. */
export interface RecordedError {
  /** The response. */
  readonly response: ErrorResponse
  /** The expected class name, e.g. `RateLimitError`. */
  readonly expected: string
}

/** A rate-limit header value and what it must parse to. */
export interface RecordedRateLimitHeader {
  /** The header value. */
  readonly value: string
  /** The normalized group. */
  readonly group: string
  /** Requests left. */
  readonly remaining: number
}

/** Options of {@link conformanceChecks}. */
export interface ConformanceOptions {
  /** The adapter under test. */
  readonly adapter: ExchangeAdapter
  /** The normalizer for payload checks; default `createUnifier(adapter, { validate: 'strict' })`. */
  readonly normalizer?: ConformanceNormalizer
  /** Recorded payloads with expected output. */
  readonly payloads?: readonly RecordedPayload[]
  /** Recorded error responses. */
  readonly errors?: readonly RecordedError[]
  /** Recorded rate-limit headers. */
  readonly rateLimitHeaders?: readonly RecordedRateLimitHeader[]
  /** Valid market codes of the exchange, for the symbol round trip and the endpoint builders. */
  readonly symbols?: readonly string[]
  /** Credentials for the signer checks (fake ones are fine); default a fixed fake pair. */
  readonly credentials?: Credentials
}

/** One named check; `run` throws an `Error` describing the failure. */
export interface ConformanceCheck {
  /** What is checked. */
  readonly name: string
  /** Runs the check. */
  readonly run: () => void
}

/** The result of {@link runConformance}. */
export interface ConformanceReport {
  /** True when every check passed. */
  readonly passed: boolean
  /** Names of the checks run. */
  readonly checks: readonly string[]
  /** The failed checks and why. */
  readonly failures: readonly { readonly name: string; readonly message: string }[]
}

const PARSERS: Readonly<Record<ModelKind, (input: unknown) => unknown>> = {
  market: parseMarket,
  ticker: parseTicker,
  trade: parseTrade,
  orderbook: parseOrderbook,
  candle: parseCandle,
  balance: parseBalance,
  order: parseOrder,
}

// Model fields the unifier fills itself, or that have defaults / a context fallback.
const FILLED = new Set([
  'exchange',
  'source',
  'receivedAt',
  'base',
  'quote',
  'timestamp',
  'level',
  'interval',
])
const REQUIRED: Readonly<Record<ModelKind, readonly string[]>> = {
  market: ['symbol'],
  ticker: [
    'symbol',
    'last',
    'open',
    'high',
    'low',
    'prevClose',
    'change',
    'changePrice',
    'changeRate',
    'volume',
    'quoteVolume',
    'volume24h',
    'quoteVolume24h',
  ],
  trade: ['symbol', 'id', 'price', 'size', 'side'],
  orderbook: ['symbol', 'bids', 'asks'],
  candle: ['symbol', 'open', 'high', 'low', 'close', 'volume', 'quoteVolume'],
  balance: ['currency', 'free', 'locked'],
  order: ['symbol', 'id', 'side', 'type', 'state', 'executedVolume', 'paidFee', 'tradesCount', 'createdAt'],
}

function fail(message: string): never {
  throw new Error(message)
}

/** Plain data of a model: Decimals become strings (for comparing against recorded expectations). */
export function toPlain(value: unknown): unknown {
  if (Decimal.isDecimal(value)) return (value as Decimal).toString()
  if (Array.isArray(value)) return value.map(toPlain)
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toPlain(v)]))
  }
  return value
}

function comparePartial(actual: unknown, expected: unknown, path: string): void {
  if (expected !== null && typeof expected === 'object') {
    if (actual === null || typeof actual !== 'object')
      fail(`${path}: expected an object, got ${JSON.stringify(actual)}`)
    for (const [key, value] of Object.entries(expected)) {
      comparePartial((actual as Record<string, unknown>)[key], value, path === '' ? key : `${path}.${key}`)
    }
    return
  }
  if (actual !== expected)
    fail(`${path}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`)
}

/**
 * Describes an adapter's shape: every member path with its type (`rest.sign: function`), sorted.
 * Two adapters have the same shape when these lists are equal (optional members aside).
 */
export function adapterShape(adapter: ExchangeAdapter): string[] {
  const out: string[] = []
  const walk = (value: unknown, path: string, depth: number) => {
    const type = Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value
    out.push(`${path}: ${type}`)
    if (type !== 'object' || depth === 0) return
    for (const [key, child] of Object.entries(value as object))
      walk(child, path === '' ? key : `${path}.${key}`, depth - 1)
  }
  for (const key of ['id', 'name', 'symbols', 'market', 'shapes', 'rest', 'ws', 'capabilities'] as const) {
    // Exchange-specific tables (rate-limit groups) vary by name: only their type is compared.
    walk(adapter[key], key, key === 'id' || key === 'name' ? 0 : 2)
  }
  return out.filter((line) => !OPTIONAL_OR_NAMED.some((prefix) => line.startsWith(prefix))).sort()
}

/**
 * Paths left out of {@link adapterShape}: tables keyed by exchange-specific names (rate-limit
 * groups), the optional order declarations of the market rules (an exchange declares them or
 * leaves the checks to its endpoint builders; their keys are its own option names) and the
 * optional `ws.buildSubscriptionFrames` (only an exchange whose subscriptions add has it),
 * `ws.authenticate` (only one that signs a frame after open), `ws.mapClose` (only one that refuses
 * by close codes) and `ws.heartbeat.privatePingText` (only one whose private connection is another
 * server).
 */
const OPTIONAL_OR_NAMED: readonly string[] = [
  'rest.rateLimits.',
  'ws.buildSubscriptionFrames',
  'ws.authenticate',
  'ws.mapClose',
  'ws.heartbeat.privatePingText',
  'market.marketOrderSizes',
  'market.timeInForces',
  'market.orderOptions',
]

const REQUIRED_MEMBERS: readonly [string, string][] = [
  ['id', 'string'],
  ['name', 'string'],
  ['symbols.normalize', 'function'],
  ['symbols.split', 'function'],
  ['symbols.join', 'function'],
  ['market.tickSize', 'function'],
  ['market.fees', 'function'],
  ['market.minOrderTotal', 'function'],
  ['market.volumeDecimals', 'function'],
  ['market.defaultQuote', 'string'],
  ['shapes.rest', 'string'],
  ['rest.baseUrl', 'string'],
  ['rest.normalizeGroup', 'function'],
  ['rest.parseRateLimitHeader', 'function'],
  ['rest.mapError', 'function'],
  ['rest.sign', 'function'],
  ['rest.formatQuery', 'function'],
  ['rest.url', 'function'],
  ['rest.rateLimitHeader', 'string'],
  ['rest.orderChanceFields.minTotal', 'string'],
  ['ws.urls.public', 'string'],
  ['ws.urls.private', 'string'],
  ['ws.endpointFor', 'function'],
  ['ws.buildSubscription', 'function'],
  ['ws.classify', 'function'],
  ['ws.isListFrame', 'function'],
  ['ws.mapError', 'function'],
  ['ws.sign', 'function'],
  ['ws.heartbeat.pingIntervalMs', 'number'],
  ['ws.heartbeat.idleTimeoutMs', 'number'],
  ['ws.heartbeat.deadAfterMs', 'number'],
  ['capabilities.contiguousTradeIds', 'boolean'],
  ...(
    [
      'markets',
      'tickers',
      'tickersByQuote',
      'trades',
      'orderbook',
      'orderbookInstruments',
      'candles',
      'balances',
      'orderChance',
      'order',
      'openOrders',
      'closedOrders',
      'createOrder',
      'testOrder',
      'cancelOrder',
    ] as const
  ).map((name): [string, string] => [`rest.endpoints.${name}`, 'function']),
]

/** Lists what is missing or of the wrong type in an adapter (empty when the shape conforms). */
export function checkAdapterShape(adapter: ExchangeAdapter): string[] {
  const problems: string[] = []
  for (const [path, type] of REQUIRED_MEMBERS) {
    let value: unknown = adapter
    for (const key of path.split('.'))
      value = value === null || value === undefined ? undefined : (value as Record<string, unknown>)[key]
    if (typeof value !== type) problems.push(`${path} should be a ${type}, is ${typeof value}`)
  }
  for (const kind of MODEL_KINDS) {
    if (!adapter.capabilities?.channels?.[kind]) problems.push(`capabilities.channels.${kind} is missing`)
  }
  return problems
}

function check(name: string, run: () => void): ConformanceCheck {
  return { name, run }
}

/** Builds every check that applies to the given options. */
export function conformanceChecks(options: ConformanceOptions): ConformanceCheck[] {
  const { adapter } = options
  const symbols = options.symbols ?? []
  const credentials = options.credentials ?? {
    accessKey: 'conformance-access-key',
    secretKey: 'conformance-secret-key',
  }
  const checks: ConformanceCheck[] = []

  checks.push(
    check('shape: every contract member is present', () => {
      const problems = checkAdapterShape(adapter)
      if (problems.length > 0) fail(problems.join('; '))
    }),
  )

  checks.push(
    check('field maps: every supported kind has maps covering the required model fields', () => {
      const problems: string[] = []
      for (const kind of MODEL_KINDS) {
        const channels = adapter.capabilities.channels[kind]
        const maps = adapter.fieldMaps[kind] as
          | Readonly<Partial<Record<RawShape, { fields: object }>>>
          | undefined
        const declared = [adapter.shapes.rest, ...adapter.shapes.ws]
        for (const shape of Object.keys(maps ?? {}))
          if (!declared.includes(shape)) problems.push(`${kind}: shape ${shape} is not declared in shapes`)
        if (channels.rest.supported && !maps?.[adapter.shapes.rest])
          problems.push(`${kind}: no rest field map`)
        if (channels.ws.supported && !adapter.shapes.ws.some((shape) => maps?.[shape]))
          problems.push(`${kind}: no ws field map`)
        for (const shape of declared) {
          const map = maps?.[shape]
          if (!map) continue
          for (const field of REQUIRED[kind]) {
            if (!FILLED.has(field) && !(field in map.fields))
              problems.push(`${kind}.${shape}: ${field} is not mapped`)
          }
        }
      }
      if (problems.length > 0) fail(problems.join('; '))
    }),
  )

  checks.push(
    check('capabilities: every listed candle interval and depth can be requested', () => {
      const symbol = symbols[0]
      if (symbol === undefined) return
      for (const interval of adapter.capabilities.candleIntervals.rest)
        adapter.rest.endpoints.candles({ symbol, interval })
      for (const interval of adapter.capabilities.candleIntervals.ws) {
        adapter.ws.buildSubscription({ streams: [{ kind: 'candle', symbols: [symbol], interval }] })
      }
      for (const depth of adapter.capabilities.orderbookDepths.ws) {
        adapter.ws.buildSubscription({ streams: [{ kind: 'orderbook', symbols: [symbol], depth }] })
      }
      const unsupported = CANDLE_INTERVALS.filter((i) => !adapter.capabilities.candleIntervals.ws.includes(i))
      for (const interval of unsupported) {
        let threw = false
        try {
          adapter.ws.buildSubscription({ streams: [{ kind: 'candle', symbols: [symbol], interval }] })
        } catch (error) {
          threw = BackboneError.isInstance(error) && error.code === 'invalid_request'
        }
        if (!threw)
          fail(`ws candle interval ${interval} is not listed but does not throw InvalidRequestError`)
      }
    }),
  )

  checks.push(
    check('endpoints: every request names a known rate-limit group', () => {
      const symbol = symbols[0]
      if (symbol === undefined) return
      const requests: RestRequest[] = [
        adapter.rest.endpoints.markets(),
        adapter.rest.endpoints.tickers({ symbols: [symbol] }),
        adapter.rest.endpoints.trades({ symbol }),
        adapter.rest.endpoints.orderbook({ symbols: [symbol] }),
        adapter.rest.endpoints.candles({ symbol, interval: '1m' }),
        adapter.rest.endpoints.balances(),
        adapter.rest.endpoints.order({ id: 'conformance-order' }),
        adapter.rest.endpoints.createOrder({ symbol, side: 'buy', type: 'limit', volume: '1', price: '1' }),
      ]
      for (const request of requests) {
        if (!adapter.rest.rateLimits[request.group])
          fail(`${request.method} ${request.path}: unknown group ${request.group}`)
        if (!request.path.startsWith('/')) fail(`${request.path}: paths start with /`)
      }
    }),
  )

  if (symbols.length > 0) {
    checks.push(
      check('market rules: a tick, fees and a minimum for every symbol, order types listed', () => {
        if (!Array.isArray(adapter.market.orderTypes) || adapter.market.orderTypes.length === 0)
          fail('market.orderTypes lists no order type')
        for (const symbol of symbols) {
          const tick = adapter.market.tickSize(symbol, new Decimal(100))
          if (!Decimal.isDecimal(tick) || !tick.greaterThan(0))
            fail(`${symbol}: tick ${String(tick)} is not > 0`)
          const fees = adapter.market.fees(symbol)
          for (const side of ['maker', 'taker'] as const) {
            const rate = fees[side]
            if (!Decimal.isDecimal(rate) || rate.isNegative() || rate.greaterThanOrEqualTo(1))
              fail(`${symbol}: ${side} fee ${String(rate)} is not in [0, 1)`)
          }
          const min = adapter.market.minOrderTotal(symbol)
          if (!Decimal.isDecimal(min) || min.isNegative())
            fail(`${symbol}: minimum ${String(min)} is negative`)
          const places = adapter.market.volumeDecimals(symbol)
          if (!Number.isInteger(places) || places < 0) fail(`${symbol}: volume decimals ${places}`)
        }
      }),
    )
    checks.push(
      check('symbols: split and join round-trip, the unified BASE/QUOTE maps to the native id', () => {
        for (const symbol of symbols) {
          const parts = adapter.symbols.split(symbol)
          const joined = adapter.symbols.join(parts)
          if (joined !== adapter.symbols.normalize(symbol))
            fail(`${symbol} → ${JSON.stringify(parts)} → ${joined}`)
          const unified = `${parts.base}/${parts.quote}`
          let native: string | undefined
          try {
            native = adapter.symbols.normalize(unified)
          } catch (error) {
            fail(`${unified} (the unified symbol of ${symbol}) is refused: ${String(error)}`)
          }
          if (native !== joined) fail(`${unified} → ${native}, expected the native id ${joined}`)
        }
      }),
    )
  }

  checks.push(
    check('signer: deterministic with a fixed nonce and clock, different with another nonce', () => {
      const request = { method: 'GET' as const, query: [['market', symbols[0] ?? 'X'] as const] }
      const fixed = { nonce: 'conformance-nonce-1', now: 1_700_000_000_000 }
      const a = adapter.rest.sign(request, credentials, fixed)
      const b = adapter.rest.sign(request, credentials, fixed)
      if (JSON.stringify(a) !== JSON.stringify(b)) fail('two signatures with the same nonce and clock differ')
      const c = adapter.rest.sign(request, credentials, { ...fixed, nonce: 'conformance-nonce-2' })
      if (JSON.stringify(a) === JSON.stringify(c)) fail('the nonce does not change the signature')
      if (JSON.stringify(a).includes(credentials.secretKey)) fail('the secret key appears in the headers')
      const ws = adapter.ws.sign(credentials, fixed)
      if (JSON.stringify(ws) !== JSON.stringify(adapter.ws.sign(credentials, fixed)))
        fail('ws signature not deterministic')
    }),
  )

  for (const recorded of options.errors ?? []) {
    checks.push(
      check(
        `errors: ${recorded.response.status} ${String(recorded.response.body).slice(0, 40)} → ${recorded.expected}`,
        () => {
          const error = adapter.rest.mapError(recorded.response)
          if (!BackboneError.isInstance(error)) fail('mapError did not return a BackboneError')
          if (error.name !== recorded.expected) fail(`got ${error.name}`)
        },
      ),
    )
  }

  for (const header of options.rateLimitHeaders ?? []) {
    checks.push(
      check(`rate-limit header: ${header.value}`, () => {
        const state = adapter.rest.parseRateLimitHeader(header.value)
        if (state?.group !== header.group || state.remaining !== header.remaining)
          fail(`got ${JSON.stringify(state)}`)
      }),
    )
  }

  let compiled: ConformanceNormalizer | undefined = options.normalizer
  const normalizerOf = (): ConformanceNormalizer => {
    compiled ??= createUnifier(adapter, { validate: 'strict' })
    return compiled
  }
  for (const payload of options.payloads ?? []) {
    checks.push(
      check(`payload: ${payload.name}`, () => {
        const normalizer = normalizerOf()
        let values: readonly unknown[]
        let kind: ModelKind
        if (payload.source === 'rest') {
          if (payload.kind === undefined) fail('REST payloads need a kind')
          kind = payload.kind
          values = normalizer.normalizeAll(kind, payload.raw, {
            source: 'rest',
            receivedAt: 0,
            ...(payload.interval === undefined ? {} : { interval: payload.interval }),
          })
        } else {
          const result = normalizer.normalizeFrame(payload.raw, { receivedAt: 0 })
          if (!(MODEL_KINDS as readonly string[]).includes(result.kind))
            fail(`not a data frame: ${result.kind}`)
          kind = result.kind as ModelKind
          if (payload.kind !== undefined && payload.kind !== kind)
            fail(`kind ${kind}, expected ${payload.kind}`)
          values = result.values ?? []
        }
        if (values.length !== payload.expected.length)
          fail(`${values.length} values, expected ${payload.expected.length}`)
        values.forEach((value, i) => {
          PARSERS[kind](value)
          comparePartial(toPlain(value), payload.expected[i], `[${i}]`)
        })
      }),
    )
  }
  return checks
}

/** Runs every check and returns a report (never throws). */
export function runConformance(options: ConformanceOptions): ConformanceReport {
  const checks = conformanceChecks(options)
  const failures: { name: string; message: string }[] = []
  for (const c of checks) {
    try {
      c.run()
    } catch (error) {
      failures.push({ name: c.name, message: error instanceof Error ? error.message : String(error) })
    }
  }
  return { passed: failures.length === 0, checks: checks.map((c) => c.name), failures }
}

/** Runs every check and throws one `Error` listing all failures. */
export function assertConformance(options: ConformanceOptions): void {
  const report = runConformance(options)
  if (!report.passed) {
    throw new Error(
      `${adapterName(options.adapter)} fails conformance:\n${report.failures.map((f) => `- ${f.name}: ${f.message}`).join('\n')}`,
    )
  }
}

function adapterName(adapter: ExchangeAdapter): string {
  return typeof adapter?.name === 'string' ? adapter.name : 'The adapter'
}
