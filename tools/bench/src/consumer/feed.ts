/**
 * An Upbit-format market feed that is not @bb/sim: a plain `node:http` + `ws` server with its own
 * id scheme (one global counter from 4,000,000,000, stepping by 1–3, unlike Upbit's
 * `timestamp × 1000 + n`), its own frame mix (trades, 15-level order books, tickers, all binary
 * DEFAULT-format JSON as Upbit sends them) and only the REST endpoints a client needs to start:
 * `/v1/market/all`, `/v1/trades/ticks`, `/v1/ticker`, `/v1/orderbook`. It answers Upbit's `PING`
 * text with `{"status":"UP"}`. Nothing here is shared with the library under test.
 *
 * Two ways to send:
 * - `burst`: every frame is encoded first, then the whole run is written to each socket at once,
 *   so the feed waits in the socket and the consumer is the only bottleneck (throughput).
 * - `pace`: frames at a fixed rate, each send time recorded by id (latency).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type WebSocket from 'ws'
import * as wsModule from 'ws'
import { WebSocketServer } from 'ws'

/** The kinds of frames the feed sends. */
export type FeedKind = 'trade' | 'orderbook' | 'ticker'

interface MarketState {
  readonly code: string
  price: number
  prevClose: number
  readonly recent: object[] // newest last, at most 200 (REST trades/ticks)
}

interface Subscriber {
  readonly socket: WebSocket
  readonly kinds: Map<FeedKind, Set<string>>
}

// ws's own frame encoder (not in @types/ws): the header and payload of one unmasked server frame.
const frame = (wsModule as unknown as { Sender: { frame(data: Buffer, options: object): Buffer[] } }).Sender
  .frame

/**
 * The header and payload of one unmasked server frame, text or binary: the feeds encode a whole
 * burst up front and write it with {@link writeRaw}, so that only the consumer limits the rate.
 */
export const serverFrame = (payload: Buffer, binary: boolean): Buffer[] =>
  frame(payload, { fin: true, rsv1: false, opcode: binary ? 2 : 1, mask: false, readOnly: true })

/** Writes encoded frames straight into a server socket's TCP stream (bypassing ws's sender queue). */
export const writeRaw = (socket: WebSocket, wire: Buffer): void =>
  (socket as unknown as { _socket: { write(b: Buffer): void } })._socket.write(wire)

const COINS = ['BTC', 'ETH', 'XRP', 'SOL', 'DOGE', 'ADA', 'TRX', 'AVAX', 'LINK', 'DOT', 'SUI', 'BCH']

/** Market codes the feed lists: `KRW-BTC`, `KRW-ETH`, … then `KRW-C013` … for more. */
export function feedCodes(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `KRW-${COINS[i] ?? `C${String(i + 1).padStart(3, '0')}`}`)
}

const two = (n: number) => String(n).padStart(2, '0')

/**
 * What {@link startFeed}'s `stream` sent: REALTIME frames per kind, the SNAPSHOT frames answering
 * subscribe requests meanwhile, and the most a socket had buffered.
 */
interface StreamSent extends Record<FeedKind, number> {
  snapshots: number
  maxBufferedBytes: number
}

/** A running feed (the Upbit one here, the Binance one in binance-feed.ts). */
export interface Feed {
  readonly restUrl: string
  readonly wsUrl: string
  /** Resolves when `count` subscribers have subscribed to `kind`. */
  subscribers(kind: FeedKind, count: number): Promise<void>
  /**
   * Encodes `count` frames of `kind` round-robin over the subscribed codes (yielding to the event
   * loop between slices, so PINGs are answered meanwhile), then writes them at once.
   */
  burst(kind: FeedKind, count: number): Promise<number>
  /** Sends trades at `perSecond` for `seconds`; resolves with `id → send time` (ms, epoch, µs precision). */
  pace(perSecond: number, seconds: number): Promise<Map<string, number>>
  close(): Promise<void>
}

/**
 * Starts the feed on 127.0.0.1 with `markets` markets.
 *
 * `mergeParts`: the parts of one subscribe request that name the same type add up (ccxt.pro's
 * `upbit` sends one `{ type, codes: [one code] }` part per symbol); by default the last such part
 * wins, as the consumer benchmark's figures were measured.
 */
export async function startFeed(
  markets: number,
  options: { readonly mergeParts?: boolean } = {},
): Promise<Feed & { stream(perMarketPerSecond: Readonly<Record<FeedKind, number>>): () => StreamSent }> {
  const state = new Map<string, MarketState>()
  feedCodes(markets).forEach((code, i) => {
    const price = 1000 * (i + 7) * (i % 3 === 0 ? 1000 : 10)
    state.set(code, { code, price, prevClose: price, recent: [] })
  })
  let nextId = 4_000_000_000
  let seed = 12345
  const random = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648
    return seed / 2_147_483_648
  }

  const trade = (m: MarketState, now: number) => {
    nextId += 1 + Math.floor(random() * 3)
    m.price = Math.max(10, Math.round(m.price * (1 + (random() - 0.5) * 0.001)))
    const d = new Date(now)
    const frame = {
      type: 'trade',
      code: m.code,
      timestamp: now,
      trade_date: `${d.getUTCFullYear()}-${two(d.getUTCMonth() + 1)}-${two(d.getUTCDate())}`,
      trade_time: `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`,
      trade_timestamp: now,
      trade_price: m.price,
      trade_volume: Math.round(random() * 1e8) / 1e8 + 0.00000001,
      ask_bid: random() < 0.5 ? 'ASK' : 'BID',
      prev_closing_price: m.prevClose,
      change: m.price > m.prevClose ? 'RISE' : m.price < m.prevClose ? 'FALL' : 'EVEN',
      change_price: Math.abs(m.price - m.prevClose),
      sequential_id: nextId,
      best_ask_price: m.price + 1,
      best_ask_size: 0.5,
      best_bid_price: m.price,
      best_bid_size: 0.25,
      stream_type: 'REALTIME',
    }
    m.recent.push(frame)
    if (m.recent.length > 200) m.recent.shift()
    return frame
  }
  const book = (m: MarketState, now: number) => {
    const units = []
    for (let k = 0; k < 15; k++) {
      units.push({
        ask_price: m.price + 1 + k,
        bid_price: m.price - k,
        ask_size: Math.round(random() * 1e6) / 1e6 + 0.000001,
        bid_size: Math.round(random() * 1e6) / 1e6 + 0.000001,
      })
    }
    m.price = Math.max(20, m.price + (random() < 0.5 ? -1 : 1))
    return {
      type: 'orderbook',
      code: m.code,
      timestamp: now,
      total_ask_size: 7.5,
      total_bid_size: 7.5,
      orderbook_units: units,
      level: 0,
      stream_type: 'REALTIME',
    }
  }
  const ticker = (m: MarketState, now: number) => {
    m.price = Math.max(10, Math.round(m.price * (1 + (random() - 0.5) * 0.001)))
    const change = m.price - m.prevClose
    const d = new Date(now)
    return {
      type: 'ticker',
      code: m.code,
      opening_price: m.prevClose,
      high_price: Math.max(m.price, m.prevClose),
      low_price: Math.min(m.price, m.prevClose),
      trade_price: m.price,
      prev_closing_price: m.prevClose,
      change: change > 0 ? 'RISE' : change < 0 ? 'FALL' : 'EVEN',
      change_price: Math.abs(change),
      signed_change_price: change,
      change_rate: Math.abs(change) / m.prevClose,
      signed_change_rate: change / m.prevClose,
      trade_volume: 0.01,
      acc_trade_volume: 100.5,
      acc_trade_volume_24h: 200.25,
      acc_trade_price: 1_000_000_000,
      acc_trade_price_24h: 2_000_000_000,
      trade_date: `${d.getUTCFullYear()}${two(d.getUTCMonth() + 1)}${two(d.getUTCDate())}`,
      trade_time: `${two(d.getUTCHours())}${two(d.getUTCMinutes())}${two(d.getUTCSeconds())}`,
      trade_timestamp: now,
      ask_bid: 'BID',
      acc_ask_volume: 50,
      acc_bid_volume: 50.5,
      highest_52_week_price: m.prevClose * 2,
      highest_52_week_date: '2026-03-14',
      lowest_52_week_price: Math.round(m.prevClose / 2),
      lowest_52_week_date: '2026-01-02',
      market_state: 'ACTIVE',
      is_trading_suspended: false,
      delisting_date: null,
      market_warning: 'NONE',
      timestamp: now,
      stream_type: 'REALTIME',
    }
  }
  const make = { trade, orderbook: book, ticker } as const

  // REST rows are the WebSocket frames with `market` for `code` and no `type` / `stream_type`.
  const restShape = ({
    type: _type,
    code,
    stream_type: _stream,
    ...rest
  }: {
    type: string
    code: string
    stream_type: string
  }) => ({
    market: code,
    ...rest,
  })
  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' })
    res.end(JSON.stringify(body))
  }
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    const listed = (param: string) =>
      (url.searchParams.get(param) ?? '')
        .split(',')
        .map((c) => state.get(c.trim()))
        .filter((m): m is MarketState => m !== undefined)
    const now = Date.now()
    switch (url.pathname) {
      case '/v1/market/all':
        return json(
          res,
          200,
          [...state.values()].map((m) => ({
            market: m.code,
            korean_name: m.code,
            english_name: m.code.slice(4),
            market_event: { warning: false, caution: {} },
          })),
        )
      case '/v1/trades/ticks': {
        const m = state.get(url.searchParams.get('market') ?? '')
        if (!m) return json(res, 404, { error: { name: 404, message: 'Code not found' } })
        const count = Math.min(500, Number(url.searchParams.get('count') ?? 1) || 1)
        const rows = m.recent.slice(-count).reverse() as Record<string, unknown>[]
        return json(
          res,
          200,
          rows.map((t) => ({
            market: t.code,
            trade_date_utc: t.trade_date,
            trade_time_utc: t.trade_time,
            timestamp: t.trade_timestamp,
            trade_price: t.trade_price,
            trade_volume: t.trade_volume,
            prev_closing_price: t.prev_closing_price,
            change_price: t.change_price,
            ask_bid: t.ask_bid,
            sequential_id: t.sequential_id,
          })),
        )
      }
      case '/v1/ticker':
        return json(
          res,
          200,
          listed('markets').map((m) => restShape(ticker(m, now))),
        )
      case '/v1/orderbook':
        return json(
          res,
          200,
          listed('markets').map((m) => restShape(book(m, now))),
        )
      default:
        return json(res, 404, { error: { name: 'not_found', message: `no route ${url.pathname}` } })
    }
  })
  const wss = new WebSocketServer({ server, path: '/websocket/v1', perMessageDeflate: false })
  const subscribers = new Set<Subscriber>()
  let snapshots = 0 // SNAPSHOT frames sent on subscribe, for `stream`'s count
  const waiters: (() => void)[] = []
  wss.on('connection', (socket) => {
    const sub: Subscriber = { socket, kinds: new Map() }
    subscribers.add(sub)
    socket.on('close', () => subscribers.delete(sub))
    socket.on('message', (data, isBinary) => {
      const text = data.toString()
      if (!isBinary && text === 'PING') return socket.send(JSON.stringify({ status: 'UP' }))
      try {
        const request = JSON.parse(text) as unknown
        if (!Array.isArray(request)) return
        const merged = new Map<FeedKind, Set<string>>()
        for (const part of request as Record<string, unknown>[]) {
          const type = part.type as FeedKind | undefined
          if (type !== 'trade' && type !== 'orderbook' && type !== 'ticker') continue
          const codes = ((part.codes as string[] | undefined) ?? []).map((c) => c.split('.')[0] as string)
          const listed = codes.filter((c) => state.has(c))
          if (options.mergeParts) {
            const set = merged.get(type) ?? new Set<string>()
            for (const c of listed) set.add(c)
            merged.set(type, set)
            sub.kinds.set(type, set)
          } else sub.kinds.set(type, new Set(listed))
          // As Upbit does: the current order book / ticker first, marked SNAPSHOT.
          if (type !== 'trade' && part.is_only_realtime !== true) {
            for (const code of listed) {
              const value = make[type](state.get(code) as MarketState, Date.now())
              socket.send(JSON.stringify({ ...value, stream_type: 'SNAPSHOT' }), { binary: true })
              snapshots++
            }
          }
        }
        for (const wake of waiters.splice(0)) wake()
      } catch {
        socket.send(JSON.stringify({ error: { name: 'INVALID_REQUEST', message: 'not JSON' } }))
      }
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo

  const subscribed = (kind: FeedKind) => [...subscribers].filter((s) => (s.kinds.get(kind)?.size ?? 0) > 0)
  const codesOf = (kind: FeedKind) => {
    const all = new Set<string>()
    for (const s of subscribed(kind)) for (const c of s.kinds.get(kind) ?? []) all.add(c)
    return [...all].sort()
  }

  return {
    restUrl: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/websocket/v1`,
    async subscribers(kind, count) {
      while (subscribed(kind).length < count) await new Promise<void>((resolve) => waiters.push(resolve))
    },
    async burst(kind, count) {
      const codes = codesOf(kind)
      const now = Date.now()
      const frames: Buffer[] = []
      for (let i = 0; i < count; i++) {
        // Encoding 200,000 frames takes seconds on a loaded machine: yield now and then, so that
        // the feed keeps answering PINGs and REST meanwhile, as a real server does. Without it, a
        // client with a liveness check rightly replaced the silent connection before the burst
        // and the whole burst went into a closed socket (runs that "delivered 0 %").
        if (i % 2000 === 1999) await new Promise((resolve) => setImmediate(resolve))
        const m = state.get(codes[i % codes.length] as string) as MarketState
        const payload = Buffer.from(JSON.stringify(make[kind](m, now)))
        frames.push(...serverFrame(payload, true))
      }
      const wire = Buffer.concat(frames)
      for (const s of subscribed(kind)) writeRaw(s.socket, wire)
      return count
    },
    async pace(perSecond, seconds) {
      const codes = codesOf('trade')
      const sends = new Map<string, number>()
      const start = performance.now()
      const total = Math.round(perSecond * seconds)
      let sent = 0
      while (sent < total) {
        const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * perSecond))
        for (; sent < due; sent++) {
          const m = state.get(codes[sent % codes.length] as string) as MarketState
          const payload = Buffer.from(JSON.stringify(trade(m, Date.now())))
          sends.set(String(nextId), performance.timeOrigin + performance.now())
          for (const s of subscribed('trade')) s.socket.send(payload, { binary: true })
        }
        await new Promise((resolve) => setTimeout(resolve, 1))
      }
      return sends
    },
    stream(perMarketPerSecond) {
      // Every kind at its own rate per market, round-robin over the markets, to the sockets that
      // subscribed each (market, kind), until the returned function is called: a live market's
      // steady flow, for a soak. Paced by the clock (catching up after a stall), not by the consumer.
      const kinds = Object.keys(make) as FeedKind[]
      const codes = [...state.keys()]
      const sent: StreamSent = { trade: 0, orderbook: 0, ticker: 0, snapshots: 0, maxBufferedBytes: 0 }
      const snapshotsBefore = snapshots
      const cursor: Record<FeedKind, number> = { trade: 0, orderbook: 0, ticker: 0 }
      const start = performance.now()
      const tick = () => {
        const elapsed = (performance.now() - start) / 1000
        for (const kind of kinds) {
          const due = Math.floor(elapsed * perMarketPerSecond[kind] * codes.length)
          for (; cursor[kind] < due; cursor[kind]++) {
            const code = codes[cursor[kind] % codes.length] as string
            const to = [...subscribers].filter((s) => s.kinds.get(kind)?.has(code))
            if (to.length === 0) continue
            const payload = Buffer.from(
              JSON.stringify(make[kind](state.get(code) as MarketState, Date.now())),
            )
            for (const s of to) {
              s.socket.send(payload, { binary: true })
              sent[kind]++
              sent.maxBufferedBytes = Math.max(sent.maxBufferedBytes, s.socket.bufferedAmount)
            }
          }
        }
      }
      const timer = setInterval(tick, 20)
      return () => {
        clearInterval(timer)
        return { ...sent, snapshots: snapshots - snapshotsBefore }
      }
    },
    async close() {
      for (const s of subscribers) s.socket.terminate()
      wss.close()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
