import type { QuoteCurrency } from './ticks.js'

/** A market the simulator lists: code, names, a reference price and how busy it is. */
export interface MarketDefinition {
  /** Upbit market code, `QUOTE-BASE`, e.g. `KRW-BTC`. */
  readonly code: string
  /** Quote currency (`KRW`, `BTC`, `USDT`). */
  readonly quote: QuoteCurrency
  /** Base currency, e.g. `BTC`. */
  readonly base: string
  /** Korean name as listed on Upbit. */
  readonly koreanName: string
  /** English name as listed on Upbit. */
  readonly englishName: string
  /** Reference price in the quote currency; the simulated price at `startTime` is near it. */
  readonly referencePrice: number
  /** Relative trading activity, 1 = as busy as KRW-BTC. */
  readonly liquidity: number
  /** Whether the market carries Upbit's investment warning (유의 종목). */
  readonly warning: boolean
}

type Row = readonly [
  code: string,
  korean: string,
  english: string,
  price: number,
  liquidity: number,
  warning?: 1,
]

// Ordered so that the first N rows mix quote markets and tick bands well.
const ROWS: readonly Row[] = [
  ['KRW-BTC', '비트코인', 'Bitcoin', 143_000_000, 1],
  ['KRW-ETH', '이더리움', 'Ethereum', 5_210_000, 0.8],
  ['KRW-XRP', '엑스알피(리플)', 'XRP', 3_420, 0.9],
  ['KRW-SOL', '솔라나', 'Solana', 281_000, 0.6],
  ['KRW-DOGE', '도지코인', 'Dogecoin', 331, 0.6],
  ['BTC-ETH', '이더리움', 'Ethereum', 0.0365, 0.15],
  ['USDT-BTC', '비트코인', 'Bitcoin', 101_200, 0.2],
  ['KRW-ADA', '에이다', 'Cardano', 1_105, 0.4],
  ['KRW-SHIB', '시바이누', 'Shiba Inu', 0.0185, 0.3],
  ['KRW-TRX', '트론', 'TRON', 421, 0.3],
  ['BTC-XRP', '엑스알피(리플)', 'XRP', 0.0000245, 0.1],
  ['USDT-ETH', '이더리움', 'Ethereum', 3_745, 0.15],
  ['KRW-AVAX', '아발란체', 'Avalanche', 38_150, 0.3],
  ['KRW-LINK', '체인링크', 'Chainlink', 25_340, 0.3],
  ['KRW-PEPE', '페페', 'Pepe', 0.01523, 0.35],
  ['KRW-DOT', '폴카닷', 'Polkadot', 7_480, 0.25],
  ['BTC-SOL', '솔라나', 'Solana', 0.00196, 0.08],
  ['USDT-XRP', '엑스알피(리플)', 'XRP', 2.452, 0.1],
  ['KRW-BCH', '비트코인캐시', 'Bitcoin Cash', 721_500, 0.2],
  ['KRW-MEW', '캣인어독스월드', 'cat in a dogs world', 4.512, 0.2, 1],
  ['KRW-ZIL', '질리카', 'Zilliqa', 21.48, 0.15],
  ['KRW-SUI', '수이', 'Sui', 5_205, 0.35],
  ['BTC-DOGE', '도지코인', 'Dogecoin', 0.00000235, 0.06],
  ['USDT-SOL', '솔라나', 'Solana', 201.35, 0.08],
  ['KRW-AAVE', '에이브', 'Aave', 421_800, 0.15],
  ['KRW-XLM', '스텔라루멘', 'Stellar Lumens', 521, 0.25],
  ['KRW-HBAR', '헤데라', 'Hedera', 382, 0.25],
  ['KRW-XEC', '이캐시', 'eCash', 0.04512, 0.1],
  ['BTC-LINK', '체인링크', 'Chainlink', 0.000175, 0.05],
  ['USDT-DOGE', '도지코인', 'Dogecoin', 0.2381, 0.08],
  ['KRW-ETC', '이더리움클래식', 'Ethereum Classic', 28_120, 0.2],
  ['KRW-NEAR', '니어프로토콜', 'NEAR Protocol', 4_215, 0.2],
  ['KRW-SAND', '샌드박스', 'The Sandbox', 421, 0.15],
  ['KRW-ARB', '아비트럼', 'Arbitrum', 652, 0.2],
  ['KRW-SEI', '세이', 'Sei', 451, 0.2],
  ['KRW-ONDO', '온도파이낸스', 'Ondo Finance', 1_512, 0.2],
  ['KRW-BTT', '비트토렌트', 'BitTorrent', 0.000981, 0.1, 1],
  ['KRW-UNI', '유니스왑', 'Uniswap', 14_020, 0.15],
  ['KRW-POL', '폴리곤 에코시스템 토큰', 'Polygon Ecosystem Token', 331, 0.15],
  ['KRW-STX', '스택스', 'Stacks', 1_205, 0.15],
  ['KRW-IQ', '아이큐', 'IQ', 8.21, 0.1],
  ['KRW-ENS', '이더리움네임서비스', 'Ethereum Name Service', 38_200, 0.1],
  ['KRW-MANA', '디센트럴랜드', 'Decentraland', 451, 0.1],
  ['KRW-GRS', '그로스톨코인', 'Groestlcoin', 552, 0.05, 1],
  ['BTC-ADA', '에이다', 'Cardano', 0.0000078, 0.05],
  ['BTC-TRX', '트론', 'TRON', 0.0000029, 0.05],
  ['USDT-TRX', '트론', 'TRON', 0.3012, 0.05],
  // Past the default 30: the FX market of KRW and USDT (`reference` sims price KRW through it).
  ['KRW-USDT', '테더', 'Tether', 1_400, 0.3],
]

/** The default number of markets. */
const DEFAULT_MARKET_COUNT = 30

/** Every market the simulator knows by name, in its default listing order. */
const CATALOG: readonly MarketDefinition[] = ROWS.map(toDefinition)

function toDefinition(row: Row): MarketDefinition {
  const [code, koreanName, englishName, referencePrice, liquidity, warning] = row
  const [quote, base] = code.split('-') as [QuoteCurrency, string]
  return {
    code,
    quote,
    base,
    koreanName,
    englishName,
    referencePrice,
    liquidity: liquidity ** 1.5,
    warning: warning === 1,
  }
}

const CODE_RE = /^(KRW|BTC|USDT)-([A-Z0-9]{1,15})$/

/** Builds a definition for a code: the catalog entry, or a plausible synthetic one. */
export function definitionFor(code: string, random: () => number): MarketDefinition {
  const known = CATALOG.find((d) => d.code === code)
  if (known) return known
  const m = CODE_RE.exec(code)
  if (!m)
    throw new TypeError(`Invalid market code "${code}": expected QUOTE-BASE with quote KRW, BTC or USDT`)
  const quote = m[1] as QuoteCurrency
  const base = m[2] as string
  const sameBase = CATALOG.find((d) => d.base === base && d.quote === 'KRW')
  const krwPrice = sameBase?.referencePrice ?? 10 ** (random() * 6 - 1)
  const referencePrice =
    quote === 'KRW' ? krwPrice : quote === 'BTC' ? krwPrice / 143_000_000 : krwPrice / 1_390
  return {
    code,
    quote,
    base,
    koreanName: sameBase?.koreanName ?? base,
    englishName: sameBase?.englishName ?? base,
    referencePrice,
    liquidity: 0.1,
    warning: false,
  }
}

/** Resolves the `markets` option into definitions. */
export function resolveMarkets(
  markets: number | readonly string[] | undefined,
  random: () => number,
): MarketDefinition[] {
  if (markets === undefined) return CATALOG.slice(0, DEFAULT_MARKET_COUNT)
  if (typeof markets === 'number') {
    if (!Number.isInteger(markets) || markets < 1) throw new RangeError('markets must be a positive integer')
    if (markets <= CATALOG.length) return CATALOG.slice(0, markets)
    const extra: MarketDefinition[] = []
    for (let i = CATALOG.length; i < markets; i++) extra.push(definitionFor(`KRW-SIM${i}`, random))
    return [...CATALOG, ...extra]
  }
  const seen = new Set<string>()
  const out: MarketDefinition[] = []
  for (const code of markets) {
    if (seen.has(code)) continue
    seen.add(code)
    out.push(definitionFor(code, random))
  }
  if (out.length === 0) throw new RangeError('markets must name at least one market')
  return out
}
