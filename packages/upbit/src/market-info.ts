import { DataValidationError, describeValue } from '@bb/errors'
import type { Market } from '@bb/models'

/**
 * Upbit's own fields of a market, in the neutral model's `info` (UPBIT.md §5.1): the Korean
 * display name, the investment-warning flag and the caution flags that are set.
 */
export interface UpbitMarketInfo {
  /** Korean display name (`korean_name`). */
  readonly koreanName?: string
  /** True when Upbit flags the market with an investment warning (`market_event.warning`). */
  readonly warning: boolean
  /** The caution flags that are set (`market_event.caution`), names as Upbit sends them. */
  readonly cautions: readonly string[]
}

/** A market normalized by the Upbit adapter: the neutral `Market` with {@link UpbitMarketInfo}. */
export type UpbitMarket = Market & { readonly info: UpbitMarketInfo }

/**
 * Reads Upbit's own fields of a market the Upbit adapter normalized. Throws
 * `DataValidationError` (path `info...`) when `market.info` is not what the adapter puts there
 * (e.g. a market of another exchange).
 *
 * @example
 * ```ts
 * import { upbit, upbitMarketInfo } from '@bb/upbit'
 * import { createUnifier } from '@bb/unifier'
 * const [market] = createUnifier(upbit).normalizeAll('market', [
 *   { market: 'KRW-BTC', korean_name: '비트코인', english_name: 'Bitcoin', market_event: { warning: true } },
 * ], { source: 'rest' })
 * upbitMarketInfo(market!) // { warning: true, cautions: [], koreanName: '비트코인' }
 * ```
 */
export function upbitMarketInfo(market: Market): UpbitMarketInfo {
  const info = (market as { info?: unknown } | null | undefined)?.info as Record<string, unknown> | undefined
  const bad = (path: string, expected: string, received: unknown): never => {
    throw new DataValidationError({
      path,
      expected,
      received,
      message: `Not an Upbit market: ${path} is ${describeValue(received)}, expected ${expected}.`,
    })
  }
  if (info === null || typeof info !== 'object') return bad('info', 'an object', info)
  if (typeof info.warning !== 'boolean') bad('info.warning', 'a boolean', info.warning)
  if (!Array.isArray(info.cautions) || info.cautions.some((c) => typeof c !== 'string'))
    bad('info.cautions', 'a list of strings', info.cautions)
  if (info.koreanName !== undefined && typeof info.koreanName !== 'string')
    bad('info.koreanName', 'a string', info.koreanName)
  return info as unknown as UpbitMarketInfo
}
