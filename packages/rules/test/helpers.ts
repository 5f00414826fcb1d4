import { InvalidRequestError } from '@bb/errors'
import { type Candle, Decimal } from '@bb/models'
import {
  createEngine,
  type Decision,
  DryRunExecutor,
  type Engine,
  type ExchangeRules,
  type Executor,
  type OrderIntent,
  type StrategyInput,
} from '../src/index.js'

// The exchange these tests were written against, as a test adapter: native ids `QUOTE-BASE`
// (`KRW-ABC`), a 0.05 % fee, a 5,000 minimum order, 8 volume decimals and this tick table
// (1,000 from 1,000,000 … 1 from 100, then a tenth per decade). @bb/rules has no default exchange
// and, being exchange-neutral, may not depend on an exchange package even for its tests.
const TICKS: readonly (readonly [number, string])[] = [
  [1_000_000, '1000'],
  [500_000, '500'],
  [100_000, '100'],
  [50_000, '50'],
  [10_000, '10'],
  [5_000, '5'],
  [100, '1'],
]
const DASHED = /^([A-Z0-9]{2,10})-([A-Z0-9]{1,15})$/
function splitDashed(symbol: string): { symbol: string; base: string; quote: string } {
  const upper = typeof symbol === 'string' ? symbol.trim().toUpperCase() : ''
  const match = DASHED.exec(upper)
  if (!match)
    throw new InvalidRequestError({
      param: 'symbol',
      message: `Malformed symbol ${String(symbol)}: QUOTE-BASE.`,
    })
  return { symbol: upper, quote: match[1]!, base: match[2]! }
}
export const EXCHANGE: ExchangeRules = {
  id: 'upbit',
  symbols: {
    format: 'QUOTE-BASE, upper case (KRW-BTC)',
    normalize: (symbol) => splitDashed(symbol).symbol,
    split: splitDashed,
    join: ({ base, quote }) => `${quote.toUpperCase()}-${base.toUpperCase()}`,
  },
  market: {
    tickSize(_symbol, price) {
      for (const [lower, tick] of TICKS) if (price.greaterThanOrEqualTo(lower)) return new Decimal(tick)
      let tick = new Decimal('0.01')
      let lower = new Decimal(10)
      while (price.lessThan(lower) && tick.greaterThan('0.00000001')) {
        lower = lower.dividedBy(10)
        tick = tick.dividedBy(10)
      }
      return tick
    },
    fees: () => ({ maker: new Decimal('0.0005'), taker: new Decimal('0.0005') }),
    minOrderTotal: () => new Decimal(5000),
    volumeDecimals: () => 8,
    orderTypes: ['limit', 'market'],
    defaultQuote: 'KRW',
  },
}

/** Start of the hand-built paths: 2025-01-01T00:00:00Z. */
export const T0 = Date.UTC(2025, 0, 1)
export const SYMBOL = 'KRW-ABC'

/** `count` closed 1m candles before T0 whose closes fall by 10 each: RSI = 0 once warm. */
export function fallingCandles(
  count: number,
  symbol = SYMBOL,
  interval: Candle['interval'] = '1m',
): Candle[] {
  return Array.from({ length: count }, (_, i) => {
    const close = new Decimal(12_000 - i * 10)
    return {
      exchange: 'upbit',
      symbol,
      marketId: symbol,
      base: 'ABC',
      quote: 'KRW',
      timestamp: T0 - (count - i) * 60_000,
      receivedAt: T0,
      source: 'rest',
      interval,
      open: close.plus(10),
      high: close.plus(10),
      low: close,
      close,
      volume: new Decimal(1),
      quoteVolume: close,
    } satisfies Candle
  })
}

/** A step of a hand-built path: seconds after T0 and the traded price. */
type Step = readonly [seconds: number, price: number]

/** What a test asserts about a decision: when, which rule, what kind. */
interface Seen {
  readonly t: number
  readonly rule: string
  readonly kind: 'order' | 'meta'
}

export interface Scenario {
  readonly engine: Engine
  readonly paper: DryRunExecutor
  readonly decisions: Decision[]
  /** Feeds the steps one by one, letting every order settle before the next step. */
  feed(steps: readonly Step[]): Promise<Seen[]>
}

export function scenario(
  strategy: StrategyInput,
  options: { warmCandles?: number; balances?: Record<string, string>; executor?: Executor } = {},
): Scenario {
  const paper = new DryRunExecutor({ exchange: EXCHANGE, balances: options.balances ?? { KRW: '10000000' } })
  const engine = createEngine({
    exchange: EXCHANGE,
    strategy,
    executor: options.executor ?? paper,
    history: fallingCandles(options.warmCandles ?? 15),
  })
  const decisions: Decision[] = []
  engine.decisions$.subscribe((d) => decisions.push(d))
  return {
    engine,
    paper,
    decisions,
    async feed(steps) {
      const seen: Seen[] = []
      for (const [seconds, price] of steps) {
        const made = engine.process({ type: 'price', symbol: SYMBOL, price, timestamp: T0 + seconds * 1000 })
        for (const d of made) seen.push({ t: seconds, rule: d.rule.id, kind: d.kind })
        await engine.idle()
      }
      return seen
    },
  }
}

/** A buy intent of 100,000 KRW on {@link SYMBOL} (override any field; loose on purpose, for bad-input tests). */
export const intent = (extra: Partial<Record<keyof OrderIntent, unknown>> = {}): OrderIntent =>
  ({
    id: 'bb-1',
    decisionId: 1,
    ruleId: 'r',
    symbol: SYMBOL,
    side: 'buy',
    amount: { kind: 'quote', value: new Decimal(100_000) },
    price: new Decimal(10_000),
    timestamp: T0,
    fill: 'at-price',
    ...extra,
  }) as OrderIntent
