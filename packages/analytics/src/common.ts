import { describeValue, InvalidRequestError } from '@bb/errors'
import { Decimal, type ExchangeId, type Source } from '@bb/models'
import type { Clock } from '@bb/utils'

/** The default {@link StalenessOptions.maxAgeMs}: an input older than 5 s is not used. */
export const DEFAULT_MAX_AGE_MS = 5_000

/**
 * One input a value was computed from: which market (`exchange` with both of the market's names,
 * `symbol` and `marketId`), the exchange time of the input, when it was received and over which
 * channel.
 */
export interface InputRef {
  /** The exchange of the input. */
  readonly exchange: ExchangeId
  /**
   * The input's unified symbol `BASE/QUOTE` (e.g. `BTC/USDT`), as the model carries it (never
   * parsed here): the name messages such as a refusal's `reason` use.
   */
  readonly symbol: string
  /**
   * The exchange's native market id, as the model carries it (e.g. `BTCUSDT`): with `exchange`,
   * the key operators keep per-market state under.
   */
  readonly marketId: string
  /** Exchange time of the input, ms since epoch UTC. */
  readonly timestamp: number
  /** Local time the input was received, ms since epoch UTC. */
  readonly receivedAt: number
  /** Where the input came from (`rest`, `ws`, `cache`, `sim`). */
  readonly source: Source
}

/**
 * What an operator emits instead of a value when it refuses to compute one: `refused: true`, a
 * readable `reason` and the inputs that were looked at. `stale: true` when an input was older
 * than `maxAgeMs`; `stale: false` when the inputs were fresh but unusable (an empty or crossed
 * book, fewer than two trades, no FX rate for two different quotes). Emitted, not swallowed, so
 * a consumer can blank a table cell and say why instead of keeping the last (wrong) figure.
 */
export interface Refusal {
  /** Always `true`: no figure was computed. */
  readonly refused: true
  /** `true` when the reason is an input older than `maxAgeMs`. */
  readonly stale: boolean
  /** Why, e.g. `upbit BTC/KRW input is 7000 ms old (max 5000 ms)`. */
  readonly reason: string
  /** The inputs that were examined. */
  readonly inputs: readonly InputRef[]
  /** The clock time of the check, ms since epoch. */
  readonly at: number
}

/** Options shared by every operator: the staleness bound and the clock it is read on. */
export interface StalenessOptions {
  /**
   * The oldest input, in ms against `clock.now()` and the input's exchange `timestamp`, that is
   * still used. @defaultValue {@link DEFAULT_MAX_AGE_MS} (5,000 ms)
   */
  readonly maxAgeMs?: number
  /** The clock "now" is read on. @defaultValue `systemClock` from `@bb/utils` */
  readonly clock?: Clock
}

/** True when `value` is a {@link Refusal} (stale or unusable inputs) rather than a figure. */
export function isRefusal(value: unknown): value is Refusal {
  return typeof value === 'object' && value !== null && (value as { refused?: unknown }).refused === true
}

/** A {@link Refusal} for fresh but unusable inputs. */
export function refuse(reason: string, inputs: readonly InputRef[], at: number): Refusal {
  return { refused: true, stale: false, reason, inputs, at }
}

/**
 * The per-market key of a model: `(exchange, marketId)`, native ids being the key every layer of
 * the backbone uses. `symbol` stands in only for a value built by hand without `marketId` (the
 * model schemas refuse one).
 */
export function marketKey(model: { exchange: string; symbol: string; marketId?: string }): string {
  return `${model.exchange}\u0000${model.marketId ?? model.symbol}`
}

/** The {@link InputRef} of a model. */
export function inputOf(model: InputRef): InputRef {
  return {
    exchange: model.exchange,
    symbol: model.symbol,
    marketId: model.marketId,
    timestamp: model.timestamp,
    receivedAt: model.receivedAt,
    source: model.source,
  }
}

/** A stale {@link Refusal} when one of `inputs` is older than `maxAgeMs` at `now`, else `undefined`. */
export function staleness(inputs: readonly InputRef[], now: number, maxAgeMs: number): Refusal | undefined {
  for (const input of inputs) {
    const age = now - input.timestamp
    if (age > maxAgeMs) {
      return {
        refused: true,
        stale: true,
        reason: `${input.exchange} ${input.symbol} input is ${age} ms old (max ${maxAgeMs} ms)`,
        inputs,
        at: now,
      }
    }
  }
  return undefined
}

/** Checks a non-negative finite `maxAgeMs`. */
export function checkMaxAge(maxAgeMs: number | undefined): number {
  if (maxAgeMs === undefined) return DEFAULT_MAX_AGE_MS
  if (typeof maxAgeMs !== 'number' || !Number.isFinite(maxAgeMs) || maxAgeMs < 0) {
    throw new InvalidRequestError({
      param: 'maxAgeMs',
      message: `maxAgeMs must be a finite number of milliseconds ≥ 0, got ${describeValue(maxAgeMs)}.`,
    })
  }
  return maxAgeMs
}

/** Parses a decimal option, refusing what is not a finite decimal within `[min, max)`. */
export function decimalOption(
  param: string,
  value: unknown,
  { min, minInclusive = true, max }: { min: Decimal; minInclusive?: boolean; max?: Decimal },
): Decimal {
  let d: Decimal | undefined
  try {
    // Any decimal.js instance (another clone's too, e.g. an adapter's fee) is read through its text.
    if (Decimal.isDecimal(value) || typeof value === 'bigint') d = new Decimal(String(value))
    else if (typeof value === 'string' || typeof value === 'number') d = new Decimal(value)
  } catch {
    d = undefined
  }
  const ok =
    d?.isFinite() &&
    (minInclusive ? d.greaterThanOrEqualTo(min) : d.greaterThan(min)) &&
    (max === undefined || d.lessThan(max))
  if (!ok || d === undefined) {
    throw new InvalidRequestError({
      param,
      message: `${param} must be a decimal ${minInclusive ? '≥' : '>'} ${min}${max ? ` and < ${max}` : ''}, got ${describeValue(value)}.`,
    })
  }
  return d
}

/** 10,000: one ratio in basis points. */
export const BPS: Decimal = new Decimal(10_000)
