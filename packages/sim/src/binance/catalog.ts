import type { MarketDefinition } from '../market/catalog.js'
import { tickFor } from '../market/ticks.js'

/** A Binance spot symbol of the simulator: the model's market plus Binance's filters. */
export interface BinanceSymbol {
  /** Binance symbol, base + quote without a separator, e.g. `BTCUSDT`. */
  readonly symbol: string
  /** Base asset, e.g. `BTC`. */
  readonly baseAsset: string
  /** Quote asset (always `USDT` here). */
  readonly quoteAsset: string
  /** The market definition the model runs (`USDT-BTC`). */
  readonly def: MarketDefinition
  /** `PRICE_FILTER.tickSize` as decimal text. */
  readonly tickSize: string
  /** `LOT_SIZE.stepSize` as decimal text. */
  readonly stepSize: string
  /** Decimals of `stepSize` (quantities are rounded to it on the wire). */
  readonly stepDecimals: number
  /** `NOTIONAL.minNotional`. */
  readonly minNotional: string
}

type Row = readonly [base: string, name: string, price: number, liquidity: number, step: string]

// USDT-quoted, prices near late-2025 levels; step sizes as Binance lists them.
const ROWS: readonly Row[] = [
  ['BTC', 'Bitcoin', 101_200, 1, '0.00001'],
  ['ETH', 'Ethereum', 3_745, 0.8, '0.0001'],
  ['BNB', 'BNB', 690.5, 0.5, '0.001'],
  ['SOL', 'Solana', 201.35, 0.6, '0.001'],
  ['XRP', 'XRP', 2.452, 0.6, '0.1'],
  ['DOGE', 'Dogecoin', 0.2381, 0.5, '1'],
  ['ADA', 'Cardano', 0.6512, 0.3, '0.1'],
  ['TRX', 'TRON', 0.3012, 0.25, '0.1'],
  ['LINK', 'Chainlink', 18.21, 0.3, '0.01'],
  ['AVAX', 'Avalanche', 27.44, 0.25, '0.01'],
]

function decimalsOf(text: string): number {
  const dot = text.indexOf('.')
  return dot < 0 ? 0 : text.length - dot - 1
}

/**
 * The tick of the model's USDT grid at the reference price (prices stay inside that tick band;
 * the matching engine checks limit prices against the same grid).
 */
function publishedTick(price: number): string {
  return tickFor('USDT', price).text
}

function toSymbol(row: Row): BinanceSymbol {
  const [base, name, referencePrice, liquidity, step] = row
  return {
    symbol: `${base}USDT`,
    baseAsset: base,
    quoteAsset: 'USDT',
    def: {
      code: `USDT-${base}`,
      quote: 'USDT',
      base,
      koreanName: name,
      englishName: name,
      referencePrice,
      liquidity: liquidity ** 1.5,
      warning: false,
    },
    tickSize: publishedTick(referencePrice),
    stepSize: step,
    stepDecimals: decimalsOf(step),
    minNotional: '5',
  }
}

/** Every symbol the Binance profile lists, in listing order. */
const BINANCE_CATALOG: readonly BinanceSymbol[] = ROWS.map(toSymbol)

/** Resolves the `markets` option of the Binance profile: a count or Binance symbols. */
export function resolveBinanceSymbols(markets: number | readonly string[] | undefined): BinanceSymbol[] {
  if (markets === undefined) return BINANCE_CATALOG.slice()
  if (typeof markets === 'number') {
    if (!Number.isInteger(markets) || markets < 1 || markets > BINANCE_CATALOG.length)
      throw new RangeError(`markets must be an integer from 1 to ${BINANCE_CATALOG.length}`)
    return BINANCE_CATALOG.slice(0, markets)
  }
  const out: BinanceSymbol[] = []
  for (const name of markets) {
    const s = BINANCE_CATALOG.find((x) => x.symbol === name)
    if (!s)
      throw new RangeError(
        `Unknown Binance symbol "${name}": expected one of ${BINANCE_CATALOG.map((x) => x.symbol).join(', ')}`,
      )
    if (!out.includes(s)) out.push(s)
  }
  if (out.length === 0) throw new RangeError('markets must name at least one symbol')
  return out
}
