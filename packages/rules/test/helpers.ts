import { type Candle, Decimal } from '@bb/models'
import {
  createEngine,
  type Decision,
  DryRunExecutor,
  type Engine,
  type Executor,
  type OrderIntent,
  type StrategyInput,
} from '../src/index.js'

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
  const paper = new DryRunExecutor({ balances: options.balances ?? { KRW: '10000000' } })
  const engine = createEngine({
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
