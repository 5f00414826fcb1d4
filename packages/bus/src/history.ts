import { describeValue, InvalidRequestError } from '@bb/errors'
import {
  compareIds,
  type OrderbookSnapshot,
  parseOrderbook,
  parseTicker,
  parseTrade,
  type Source,
  type Ticker,
  type Trade,
} from '@bb/models'
import type { MarketDataBackbone } from '@bb/router'
import { BUS_CHANNELS, type BusChannel, type BusEntry, streamKey } from './envelope.js'
import type { BusTransport } from './transport.js'

/** Options of {@link history}: where to start (at most one of `since`, `fromSeq`) and how many. */
export interface HistoryOptions {
  /** Values whose exchange timestamp is at or after this, ms UTC. */
  since?: number
  /** Values from this publisher sequence on (`pseq`, inclusive; 1 is the stream's first). */
  fromSeq?: number
  /** Most values returned (the oldest first). @default 1000 */
  limit?: number
}

/** What each channel's history holds. */
export interface HistoryValues {
  /** Trades, ascending by id. */
  trade: Trade
  /** Tickers, in publishing order. */
  ticker: Ticker
  /** Order book snapshots, in publishing order. */
  orderbook: OrderbookSnapshot
}

/** One answer of {@link history}. */
export interface HistoryPage<C extends BusChannel> {
  /** The values, oldest first. */
  readonly values: readonly HistoryValues[C][]
  /** How many of them came from REST because the bus had trimmed them (trades only). */
  readonly backfilled: number
  /** The `pseq` after the last value read from the bus: pass it as `fromSeq` for the next page. */
  readonly nextSeq: number | undefined
}

/** What {@link history} needs of a remote backbone. */
interface RemoteInternals {
  readonly exchange: string
  readonly transport: Promise<BusTransport>
  readonly backbone: MarketDataBackbone
}

const remotes = new WeakMap<object, RemoteInternals>()

/** Makes a remote backbone readable by {@link history} (called by `createRemoteBackbone`). */
export function registerRemote(remote: MarketDataBackbone, internals: RemoteInternals): void {
  remotes.set(remote, internals)
}

const PAGE = 1000
const MAX_LIMIT = 10_000

const withSource = <T extends { source: Source }>(value: T, source: Source): T =>
  value.source === source ? value : Object.freeze({ ...value, source })

function checkOptions(options: unknown): { since?: number; fromSeq?: number; limit: number } {
  if (options === undefined) return { limit: PAGE }
  if (options === null || typeof options !== 'object') {
    throw new InvalidRequestError({
      param: 'options',
      message: `options must be an object, got ${describeValue(options)}.`,
    })
  }
  const { since, fromSeq, limit = PAGE } = options as HistoryOptions
  if (since !== undefined && fromSeq !== undefined) {
    throw new InvalidRequestError({
      param: 'since',
      message: 'give since or fromSeq, not both.',
    })
  }
  if (since !== undefined && (typeof since !== 'number' || !Number.isFinite(since) || since < 0)) {
    throw new InvalidRequestError({
      param: 'since',
      message: `since must be a time in ms UTC (a number >= 0), got ${describeValue(since)}.`,
    })
  }
  if (fromSeq !== undefined && (!Number.isSafeInteger(fromSeq) || fromSeq < 1)) {
    throw new InvalidRequestError({
      param: 'fromSeq',
      message: `fromSeq must be an integer >= 1, got ${describeValue(fromSeq)}.`,
    })
  }
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    throw new InvalidRequestError({
      param: 'limit',
      message: `limit must be an integer from 1 to ${MAX_LIMIT}, got ${describeValue(limit)}.`,
    })
  }
  return {
    limit,
    ...(since !== undefined ? { since } : {}),
    ...(fromSeq !== undefined ? { fromSeq } : {}),
  }
}

/**
 * Past values of one stream, read from the bus, for a backbone made by `createRemoteBackbone`:
 * trades, tickers or order books from `since` (exchange time) or from `fromSeq` (publisher
 * sequence), oldest first, at most `limit`. When the bus has trimmed part of the requested range,
 * the older trades are read back from REST (under `rest.limits`, `source: 'rest'`) so the answer
 * has no hole; tickers and books have no REST history and start at the oldest one kept.
 * Candles are not carried by the bus: use `getCandles`.
 *
 * @example
 * ```ts
 * import { createRemoteBackbone, history } from '@bb/bus'
 *
 * const backbone = createRemoteBackbone({ exchange: 'upbit', bus: 'redis://127.0.0.1:6379' })
 * const page = await history(backbone, 'trade', 'KRW-BTC', { since: Date.now() - 60_000, limit: 500 })
 * console.log(page.values.length, 'trades,', page.backfilled, 'of them from REST')
 * await backbone.close()
 * ```
 */
export async function history<C extends BusChannel>(
  backbone: MarketDataBackbone,
  channel: C,
  symbol: string,
  options?: HistoryOptions,
): Promise<HistoryPage<C>> {
  const internals = backbone && typeof backbone === 'object' ? remotes.get(backbone) : undefined
  if (!internals) {
    throw new InvalidRequestError({
      param: 'backbone',
      message: 'history needs a backbone made by createRemoteBackbone (or createBackbone with bus).',
    })
  }
  if ((channel as string) === 'candle' || (channel as string) === 'candles') {
    throw new InvalidRequestError({
      param: 'channel',
      message: 'candles are not carried by the bus: use getCandles (REST) for their history.',
    })
  }
  if (!(BUS_CHANNELS as readonly string[]).includes(channel as string)) {
    throw new InvalidRequestError({
      param: 'channel',
      message: `channel must be one of ${BUS_CHANNELS.join(', ')}, got ${describeValue(channel)}.`,
    })
  }
  // Keyed by the native id, as the publisher writes it (a unified `BTC/KRW` reads `KRW-BTC`).
  const key = streamKey(
    internals.exchange,
    channel,
    typeof symbol === 'string' && symbol !== ''
      ? internals.backbone.adapter.symbols.normalize(symbol)
      : symbol,
  )
  const { since, fromSeq, limit } = checkOptions(options)
  const transport = await internals.transport
  const parse = (entry: BusEntry): HistoryValues[BusChannel] => {
    const body = JSON.parse(entry.record.body) as unknown
    return channel === 'trade'
      ? parseTrade(body)
      : channel === 'ticker'
        ? parseTicker(body)
        : parseOrderbook(body)
  }
  const timestampOf = (entry: BusEntry) => (JSON.parse(entry.record.body) as { timestamp: number }).timestamp
  const wanted = (entry: BusEntry) =>
    since !== undefined
      ? timestampOf(entry) >= since
      : fromSeq !== undefined
        ? entry.record.pseq >= fromSeq
        : true

  // The bus part: page from the oldest entry kept until `limit` wanted entries are found.
  const fromBus: BusEntry[] = []
  let first: BusEntry | undefined
  let after: string | 'start' = 'start'
  for (;;) {
    const page = await transport.range(key, after, PAGE)
    if (page.length === 0) break
    first ??= page[0]
    for (const entry of page) if (wanted(entry) && fromBus.length < limit) fromBus.push(entry)
    if (fromBus.length >= limit) break
    after = page.at(-1)!.cursor
  }

  // The trimmed part: trades older than the first kept entry, back to `since` / `fromSeq`, from REST.
  let older: Trade[] = []
  if (channel === 'trade' && first) {
    const firstTrade = parseTrade(JSON.parse(first.record.body))
    const trimmedSince = since !== undefined && firstTrade.timestamp > since
    const trimmedSeq = fromSeq !== undefined && first.record.pseq > fromSeq
    if (trimmedSince || trimmedSeq) {
      const count = trimmedSeq ? first.record.pseq - fromSeq! : Number.POSITIVE_INFINITY
      let cursor = firstTrade.id
      for (let page = 0; page < 20 && older.length < count; page++) {
        const trades = await internals.backbone.rest.getTrades(symbol, { count: 500, cursor })
        const before = trades.filter((t) => compareIds(t.id, firstTrade.id) < 0)
        const inRange = since !== undefined ? before.filter((t) => t.timestamp >= since) : before
        older.push(...inRange)
        if (trades.length === 0 || inRange.length < before.length) break
        cursor = trades.at(-1)!.id
      }
      older.sort((a, b) => compareIds(a.id, b.id))
      if (older.length > count) older = older.slice(older.length - count)
      older = older.map((t) => withSource(t, 'rest'))
    }
  }
  // The bus part, with any hole in the publisher sequence between two kept trades (pseq is
  // continuous across failover, so a jump is an entry the read skipped or a write that never
  // landed) filled from the exchange's tape between the two trade ids (REST).
  const busPart: { value: HistoryValues[BusChannel]; entry: BusEntry | undefined }[] = []
  for (let i = 0; i < fromBus.length; i++) {
    const entry = fromBus[i]!
    const previous = fromBus[i - 1]
    if (channel === 'trade' && previous && entry.record.pseq > previous.record.pseq + 1) {
      const from = parseTrade(JSON.parse(previous.record.body))
      const to = parseTrade(JSON.parse(entry.record.body))
      const trades = await internals.backbone.rest.getTrades(symbol, { count: 500, cursor: to.id })
      const between = trades
        .filter((t) => compareIds(t.id, from.id) > 0 && compareIds(t.id, to.id) < 0)
        .sort((a, b) => compareIds(a.id, b.id))
      for (const t of between) busPart.push({ value: withSource(t, 'rest'), entry: undefined })
    }
    busPart.push({ value: parse(entry), entry })
  }
  const all = [...older.map((value) => ({ value, entry: undefined })), ...busPart].slice(0, limit)
  const values = all.map((v) => v.value) as HistoryValues[C][]
  const lastBus = all.findLast((v) => v.entry !== undefined)?.entry
  return {
    values,
    backfilled: Math.min(older.length, values.length),
    nextSeq: lastBus ? lastBus.record.pseq + 1 : undefined,
  }
}
