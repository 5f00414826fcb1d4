import type { MarketDefinition } from './catalog.js'

/**
 * A shared reference price path: markets of several simulators (exchange profiles) that list the
 * same base asset follow one random walk, so their prices move together, at levels set by an FX
 * rate and a premium per quote currency. Profile-neutral: a profile passes it to its
 * `MarketModel` (`reference`) and nothing else changes.
 *
 * How: a model's market follows the reference market of the same base by taking that market's
 * random stream (its salt, its volatility and its scheduled crashes and surges) and its starting
 * price converted into the market's quote (`× fx[quote] × (1 + premiumPct[quote] / 100)`). The
 * reference market itself is the model a reference profile builds for `markets` with the same
 * seed, so give the simulators the same `seed` and `startTime` (the anchor of the starting price)
 * for the paths to coincide; minutes move together exactly, trades within a minute differ
 * (each exchange has its own trade times), as the books of two real exchanges do.
 */
export interface PriceReference {
  /**
   * The reference listing, in the order the reference profile lists it (the index is part of a
   * market's random stream), all in one quote currency (e.g. USDT).
   */
  readonly markets: readonly MarketDefinition[]
  /** Units of each other quote currency per unit of the reference quote, e.g. `{ KRW: 1400 }`. */
  readonly fx: Readonly<Record<string, number>>
  /** Premium of the markets of a quote currency over the reference × FX, percent, e.g. `{ KRW: 2 }`. @default 0 */
  readonly premiumPct?: Readonly<Record<string, number>>
}

/** How one market follows the reference (see {@link linkOf}). */
export interface ReferenceLink {
  /** The reference market's definition and index in the reference listing. */
  readonly reference: MarketDefinition
  readonly index: number
  /** Log of the factor from the reference price to this market's (FX × premium). */
  readonly logFactor: number
}

/** The FX market of the reference quote (e.g. `KRW-USDT`): its price is `fx[quote]`, calm. */
export interface FxLink {
  readonly rate: number
}

/** Checks a reference (throws `RangeError`, the simulator's option error). */
export function checkReference(reference: PriceReference): void {
  const [first] = reference.markets
  if (!first) throw new RangeError('reference.markets must name at least one market')
  if (reference.markets.some((d) => d.quote !== first.quote))
    throw new RangeError('reference.markets must all have one quote currency')
  for (const [name, table] of [
    ['fx', reference.fx],
    ['premiumPct', reference.premiumPct ?? {}],
  ] as const) {
    for (const [quote, value] of Object.entries(table)) {
      const ok = name === 'fx' ? Number.isFinite(value) && value > 0 : Number.isFinite(value) && value > -100
      if (!ok)
        throw new RangeError(
          `reference.${name}.${quote} must be ${name === 'fx' ? 'a finite number > 0' : 'a finite percent > -100'}, got ${String(value)}`,
        )
    }
  }
}

/** The reference quote currency (e.g. `USDT`). */
function referenceQuote(reference: PriceReference): string {
  return (reference.markets[0] as MarketDefinition).quote
}

/**
 * How `def` follows `reference`: a link to the reference market of its base, the FX market's
 * rate, or `undefined` (a base the reference does not list, or a quote without an FX rate).
 */
export function linkOf(def: MarketDefinition, reference: PriceReference): ReferenceLink | FxLink | undefined {
  const quote = referenceQuote(reference)
  const rate = def.quote === quote ? 1 : reference.fx[def.quote]
  if (rate === undefined) return undefined
  if (def.base === quote) return { rate }
  const index = reference.markets.findIndex((d) => d.base === def.base)
  const target = reference.markets[index]
  if (!target) return undefined
  const premium = def.quote === quote ? 0 : (reference.premiumPct?.[def.quote] ?? 0)
  return { reference: target, index, logFactor: Math.log(rate * (1 + premium / 100)) }
}

/** The `reference` option of a simulator profile (see `SimReferenceOptions` of the package). */
export interface ReferenceOptions {
  readonly fx?: Readonly<Record<string, number>>
  readonly premiumPct?: number | Readonly<Record<string, number>>
}

/** The default FX rates: KRW per USDT. */
const DEFAULT_FX: Readonly<Record<string, number>> = Object.freeze({ KRW: 1400 })

/**
 * Builds the {@link PriceReference} of a profile's `reference` option over the reference listing
 * `markets` (the reference profile's definitions). A single `premiumPct` applies to every quote
 * currency of `fx`. Throws `RangeError` for a bad value.
 */
export function resolvePriceReference(
  options: ReferenceOptions,
  markets: readonly MarketDefinition[],
): PriceReference {
  if (options === null || typeof options !== 'object') throw new RangeError('reference must be an object')
  const fx = options.fx ?? DEFAULT_FX
  if (fx === null || typeof fx !== 'object')
    throw new RangeError('reference.fx must be an object quote → rate')
  const premium = options.premiumPct ?? 0
  const premiumPct =
    typeof premium === 'number' ? Object.fromEntries(Object.keys(fx).map((q) => [q, premium])) : premium
  if (premiumPct === null || typeof premiumPct !== 'object')
    throw new RangeError('reference.premiumPct must be a number or an object quote → percent')
  const reference: PriceReference = { markets, fx, premiumPct }
  checkReference(reference)
  return reference
}
