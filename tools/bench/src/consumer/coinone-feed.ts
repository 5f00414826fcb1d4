/**
 * A Coinone-format market feed that is not @bb/sim: a plain `node:http` + `ws` server with its own
 * id scheme (one global counter from 4,100,000,000,000,000 stepping by 1–3: 16-digit strings like
 * Coinone's, but not its `timestamp × 1000 + n`) and its own prices. It speaks what a Coinone
 * client uses:
 * - the public WebSocket on `/`: `CONNECTED` on open; one-topic `SUBSCRIBE` / `UNSUBSCRIBE`
 *   (`{"request_type":"SUBSCRIBE","channel":"TRADE","topic":{"quote_currency":"KRW",
 *   "target_currency":"BTC"},"format":"SHORT"?}`) acked `SUBSCRIBED` with the topic echoed;
 *   `{"request_type":"PING"}` → `PONG`; `ERROR` 160010–160012 for a bad request; text `DATA`
 *   frames of `TRADE`, `ORDERBOOK` (whole 16-level books, asks worst-first as Coinone sends them)
 *   and `TICKER`, in the DEFAULT (long keys) or SHORT format as each subscription asked; the
 *   current book and ticker once on subscribe;
 * - public REST v2: `/public/v2/markets/KRW[/T]`, `range_units/KRW/T`, `ticker_new` and
 *   `ticker_utc_new` (`/KRW[/T]`), `orderbook/KRW/T`, `trades/KRW/T`, `currencies`. Business errors
 *   are Coinone's `{result:"error",error_code}` on HTTP 200; an unknown path is a 404 and a
 *   `no route` line on stderr (what a client asked that this feed does not serve).
 * Nothing here is shared with the library under test.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type WebSocket from 'ws'
import { WebSocketServer } from 'ws'
import { type Feed, type FeedKind, serverFrame, writeRaw } from './feed.js'

const COINS = ['BTC', 'ETH', 'XRP', 'SOL', 'DOGE', 'ADA', 'TRX', 'AVAX', 'LINK', 'SHIB', 'DOT', 'SUI']
const DEPTH = 16
const RECENT = 200

/** Symbols the Coinone feed lists: `BTC/KRW`, `ETH/KRW`, … then `C013/KRW` … for more. */
export function coinoneFeedSymbols(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${COINS[i] ?? `C${String(i + 1).padStart(3, '0')}`}/KRW`)
}

const CHANNEL: Record<FeedKind, string> = { trade: 'TRADE', orderbook: 'ORDERBOOK', ticker: 'TICKER' }

// Coinone's SHORT keys of the market-data fields (the documented list, for these three channels).
const SHORT: Record<string, string> = {
  response_type: 'r',
  channel: 'c',
  data: 'd',
  quote_currency: 'qc',
  target_currency: 'tc',
  timestamp: 't',
  id: 'i',
  asks: 'a',
  bids: 'b',
  price: 'p',
  qty: 'q',
  quote_volume: 'qv',
  target_volume: 'tv',
  high: 'hi',
  low: 'lo',
  first: 'fi',
  last: 'la',
  volume_power: 'vp',
  ask_best_price: 'abp',
  ask_best_qty: 'abq',
  bid_best_price: 'bbp',
  bid_best_qty: 'bbq',
  yesterday_high: 'yhi',
  yesterday_low: 'ylo',
  yesterday_first: 'yfi',
  yesterday_last: 'yla',
  yesterday_quote_volume: 'yqv',
  yesterday_target_volume: 'ytv',
  is_seller_maker: 'sm',
}
const shorten = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(shorten)
  if (value === null || typeof value !== 'object') return value
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(value)) out[SHORT[k] ?? k] = shorten(v)
  return out
}

// The documented example ladder of `range_units` (prices in [range_min, next_range_min) sit on price_unit).
const LADDER = [
  [0, 1, 0.0001],
  [1, 10, 0.001],
  [10, 100, 0.01],
  [100, 1000, 0.1],
  [1000, 5000, 1],
  [5000, 10_000, 5],
  [10_000, 50_000, 10],
  [50_000, 100_000, 50],
  [100_000, 500_000, 100],
  [500_000, 1_000_000, 500],
  [1_000_000, 10_000_000_000_000, 1000],
] as const
const tickOf = (price: number) => {
  let unit = 0.0001
  for (const [min, , u] of LADDER) if (price >= min) unit = u
  return unit
}
const decimalsOf = (tick: number) => Math.max(0, -Math.floor(Math.log10(tick) + 1e-9))
const qtyText = (v: number) => {
  const t = v.toFixed(8)
  return t.replace(/\.?0+$/, '') || '0'
}

interface TradeRow {
  readonly id: string
  readonly timestamp: number
  readonly price: string
  readonly qty: string
  readonly is_seller_maker: boolean
}

interface PairState {
  readonly target: string
  readonly tick: number
  readonly decimals: number
  readonly open: number
  /** Price in ticks. */
  ticks: number
  lastId: string
  readonly recent: TradeRow[] // oldest first, at most RECENT
}

interface Connection {
  readonly socket: WebSocket
  /** `CHANNEL:TARGET` → SHORT format asked. */
  readonly subs: Map<string, boolean>
}

/** Starts the Coinone-format feed on 127.0.0.1 with `markets` pairs. */
export async function startCoinoneFeed(markets: number): Promise<Feed> {
  let seed = 777_001
  const random = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648
    return seed / 2_147_483_648
  }
  let nextId = 4_100_000_000_000_000 // below 2^53: exact as a number, 16 digits as text
  const newId = () => {
    nextId += 1 + Math.floor(random() * 3)
    return String(nextId)
  }
  const state = new Map<string, PairState>()
  coinoneFeedSymbols(markets).forEach((symbol, i) => {
    const target = symbol.slice(0, -4)
    const price = i % 3 === 0 ? 90_000_000 + i * 1_000_000 : 2_000 + i * 150
    const tick = tickOf(price)
    const ticks = Math.round(price / tick)
    state.set(target, {
      target,
      tick,
      decimals: decimalsOf(tick),
      open: ticks,
      ticks,
      lastId: `${Date.now()}000`,
      recent: [],
    })
  })
  const priceText = (p: PairState, ticks: number) => (ticks * p.tick).toFixed(p.decimals)

  const trade = (p: PairState, now: number) => {
    p.ticks = Math.max(10, p.ticks + Math.round((random() - 0.5) * 4))
    const row: TradeRow = {
      id: newId(),
      timestamp: now,
      price: priceText(p, p.ticks),
      qty: qtyText(Math.round(random() * 1e8) / 1e8 + 0.00000001),
      is_seller_maker: random() < 0.5,
    }
    p.lastId = row.id
    p.recent.push(row)
    if (p.recent.length > RECENT) p.recent.shift()
    return { quote_currency: 'KRW', target_currency: p.target, ...row }
  }
  const levels = (p: PairState, side: 1 | -1) =>
    Array.from({ length: DEPTH }, (_, k) => ({
      price: priceText(p, p.ticks + side * (k + (side === 1 ? 1 : 0))),
      qty: qtyText(Math.round(random() * 1e6) / 1e6 + 0.000001),
    }))
  // A whole book: each frame moves the mid by a tick and gets a new id, as a book frame after a trade does.
  const book = (p: PairState, now: number, rest = false) => {
    p.ticks = Math.max(DEPTH + 1, p.ticks + (random() < 0.5 ? -1 : 1))
    p.lastId = newId()
    const asks = levels(p, 1) // best first
    return {
      quote_currency: 'KRW',
      target_currency: p.target,
      timestamp: now,
      id: p.lastId,
      // WS asks are worst-first (the best ask is the last element); REST lists them best-first.
      asks: rest ? asks : asks.reverse(),
      bids: levels(p, -1),
    }
  }
  const stats = (p: PairState) => {
    const high = Math.max(p.ticks, p.open) + 3
    const low = Math.min(p.ticks, p.open) - 3
    return {
      high: priceText(p, high),
      low: priceText(p, low),
      first: priceText(p, p.open),
      last: priceText(p, p.ticks),
      quote_volume: '123456789012.5',
      target_volume: '1234.56789012',
    }
  }
  const yesterday = (p: PairState) => ({
    yesterday_high: priceText(p, p.open + 20),
    yesterday_low: priceText(p, p.open - 20),
    yesterday_first: priceText(p, p.open - 5),
    yesterday_last: priceText(p, p.open),
    yesterday_quote_volume: '98765432101.25',
    yesterday_target_volume: '987.654321',
  })
  const ticker = (p: PairState, now: number) => {
    p.ticks = Math.max(10, p.ticks + Math.round((random() - 0.5) * 4))
    p.lastId = newId()
    return {
      quote_currency: 'KRW',
      target_currency: p.target,
      timestamp: now,
      ...stats(p),
      volume_power: (50 + random() * 100).toFixed(2),
      ask_best_price: priceText(p, p.ticks + 1),
      ask_best_qty: '0.5',
      bid_best_price: priceText(p, p.ticks),
      bid_best_qty: '0.25',
      id: p.lastId,
      ...yesterday(p),
    }
  }
  const make = { trade, orderbook: book, ticker } as const

  const ok = (fields: Record<string, unknown>) => ({ result: 'success', error_code: '0', ...fields })
  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json', 'public-ratelimit-remaining': '1199' })
    res.end(JSON.stringify(body))
  }
  const error = (res: ServerResponse, code: string, msg: string) =>
    json(res, 200, { result: 'error', error_code: code, error_msg: msg })
  const marketRow = (p: PairState) => ({
    quote_currency: 'KRW',
    target_currency: p.target,
    price_unit: p.tick >= 1 ? `${p.tick}.0` : String(p.tick),
    qty_unit: '0.00000001',
    max_order_amount: '1000000000.0',
    max_price: '100000000000.0',
    max_qty: '100000000.0',
    min_order_amount: '5000.0',
    min_price: '0.0001',
    min_qty: '0.00000001',
    order_book_units: ['0.0'],
    maintenance_status: 0,
    trade_status: 1,
    order_types: ['limit', 'market'],
  })
  const restTicker = (p: PairState, additional: boolean) => ({
    quote_currency: 'krw', // ticker_new spells the currencies in lower case
    target_currency: p.target.toLowerCase(),
    timestamp: Date.now(),
    ...stats(p),
    best_asks: [{ price: priceText(p, p.ticks + 1), qty: '0.5' }],
    best_bids: [{ price: priceText(p, p.ticks), qty: '0.25' }],
    id: p.lastId,
    ...(additional ? yesterday(p) : {}),
  })

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    const q = url.searchParams
    const m = /^\/public\/v2\/([a-z_]+)((?:\/[^/]+)*)\/?$/i.exec(url.pathname)
    const route = m?.[1]?.toLowerCase()
    const parts = (m?.[2] ?? '').split('/').filter((x) => x !== '')
    const krw = parts[0]?.toUpperCase() === 'KRW'
    const pair = parts.length === 2 && krw ? state.get((parts[1] as string).toUpperCase()) : undefined
    const listed = () => (parts.length === 1 && krw ? [...state.values()] : pair ? [pair] : undefined)
    const unknown = () => error(res, '108', 'Unknown CryptoCurrency')
    const now = Date.now()
    switch (route) {
      case 'markets': {
        const rows = listed()
        return rows ? json(res, 200, ok({ server_time: now, markets: rows.map(marketRow) })) : unknown()
      }
      case 'range_units':
        if (!pair) return unknown()
        return json(
          res,
          200,
          ok({
            range_price_units: LADDER.map(([min, next, unit]) => ({
              range_min: min,
              next_range_min: next,
              price_unit: unit,
            })),
          }),
        )
      case 'ticker_new':
      case 'ticker_utc_new': {
        const rows = listed()
        if (!rows) return unknown()
        const additional = q.get('additional_data') === 'true'
        return json(res, 200, ok({ server_time: now, tickers: rows.map((p) => restTicker(p, additional)) }))
      }
      case 'orderbook': {
        if (!pair) return unknown()
        const size = Math.min(DEPTH, Number(q.get('size') ?? 15) || 15)
        const b = book(pair, now, true)
        return json(
          res,
          200,
          ok({
            timestamp: b.timestamp,
            id: b.id,
            quote_currency: 'KRW',
            target_currency: pair.target,
            order_book_unit: '0.0',
            bids: b.bids.slice(0, size),
            asks: b.asks.slice(0, size),
          }),
        )
      }
      case 'trades': {
        if (!pair) return unknown()
        const size = Math.min(RECENT, Number(q.get('size') ?? RECENT) || RECENT)
        return json(
          res,
          200,
          ok({
            server_time: now,
            quote_currency: 'krw',
            target_currency: pair.target.toLowerCase(),
            transactions: pair.recent.slice(-size).reverse(), // newest first
          }),
        )
      }
      case 'currencies':
        return json(
          res,
          200,
          ok({
            server_time: now,
            currencies: [...state.values()].map((p) => ({
              name: p.target,
              symbol: p.target,
              deposit_status: 'normal',
              withdraw_status: 'normal',
              deposit_confirm_count: 1,
              max_precision: 8,
              deposit_fee: '0.0',
              withdrawal_min_amount: '0.0001',
              withdrawal_fee: '0.0005',
            })),
          }),
        )
      default:
        process.stderr.write(`coinone feed: no route ${req.method} ${url.pathname}${url.search}\n`)
        return json(res, 404, { result: 'error', error_code: '404', error_msg: `no route ${url.pathname}` })
    }
  })

  const wss = new WebSocketServer({ server, perMessageDeflate: false })
  const connections = new Set<Connection>()
  const waiters: (() => void)[] = []
  const body = (channel: string, data: unknown, short: boolean) => {
    const long = { response_type: 'DATA', channel, data }
    return JSON.stringify(short ? shorten(long) : long)
  }
  wss.on('connection', (socket, req) => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname
    if (path !== '/') return socket.close(1008, 'unknown path')
    const conn: Connection = { socket, subs: new Map() }
    connections.add(conn)
    socket.on('close', () => connections.delete(conn))
    const reply = (value: unknown) => socket.send(JSON.stringify(value))
    const fail = (code: number, message: string) =>
      reply({ response_type: 'ERROR', error_code: code, message })
    socket.on('message', (data) => {
      let request: Record<string, unknown>
      try {
        request = JSON.parse(data.toString()) as Record<string, unknown>
      } catch {
        return fail(160010, 'Invalid Request')
      }
      if (request === null || typeof request !== 'object') return fail(160010, 'Invalid Request')
      const type = request.request_type
      if (type === 'PING') return reply({ response_type: 'PONG' })
      if (type !== 'SUBSCRIBE' && type !== 'UNSUBSCRIBE') return fail(160011, 'Invalid Type')
      const channel = request.channel
      if (channel !== 'TRADE' && channel !== 'ORDERBOOK' && channel !== 'TICKER')
        return fail(160011, 'Invalid Type')
      const format = request.format ?? 'DEFAULT'
      if (format !== 'DEFAULT' && format !== 'SHORT') return fail(160011, 'Invalid Type')
      const topic = request.topic as Record<string, unknown> | undefined
      if (typeof topic?.quote_currency !== 'string' || typeof topic.target_currency !== 'string')
        return fail(160010, 'Invalid Request')
      reply({ response_type: `${type}D`, channel, data: topic })
      const p =
        topic.quote_currency.toUpperCase() === 'KRW'
          ? state.get(topic.target_currency.toUpperCase())
          : undefined
      if (!p) return fail(160012, 'Invalid Topic') // acked first, then refused, as on the wire
      const key = `${channel}:${p.target}`
      if (type === 'UNSUBSCRIBE') {
        conn.subs.delete(key)
        return
      }
      const short = format === 'SHORT'
      conn.subs.set(key, short)
      // The current book and ticker once on subscribe.
      if (channel === 'ORDERBOOK') socket.send(body(channel, book(p, Date.now()), short))
      if (channel === 'TICKER') socket.send(body(channel, ticker(p, Date.now()), short))
      for (const wake of waiters.splice(0)) wake()
    })
    reply({ response_type: 'CONNECTED', data: { session_id: `bench-${connections.size}-${Date.now()}` } })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo

  /** The pairs some connection takes `kind` of, and those connections. */
  const subscribedTo = (kind: FeedKind) => {
    const targets = new Set<string>()
    const conns: Connection[] = []
    for (const c of connections) {
      let any = false
      for (const t of state.keys())
        if (c.subs.has(`${CHANNEL[kind]}:${t}`)) {
          targets.add(t)
          any = true
        }
      if (any) conns.push(c)
    }
    return { targets: [...state.keys()].filter((t) => targets.has(t)), conns }
  }

  return {
    restUrl: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/`,
    async subscribers(kind, count) {
      // Every listed pair subscribed `count` times over the connections (one topic a frame: 10
      // SUBSCRIBEs for 10 pairs, maybe on more than one connection).
      const ready = () =>
        [...state.keys()].every(
          (t) => [...connections].filter((c) => c.subs.has(`${CHANNEL[kind]}:${t}`)).length >= count,
        )
      while (!ready()) await new Promise<void>((resolve) => waiters.push(resolve))
    },
    async burst(kind, count) {
      const { targets, conns } = subscribedTo(kind)
      const channel = CHANNEL[kind]
      const now = Date.now()
      const out = conns.map(() => [] as Buffer[])
      for (let i = 0; i < count; i++) {
        // Yield now and then so that PINGs and REST are answered meanwhile, as a real server does.
        if (i % 2000 === 1999) await new Promise((resolve) => setImmediate(resolve))
        const p = state.get(targets[i % targets.length] as string) as PairState
        const data = make[kind](p, now)
        const encoded = new Map<boolean, Buffer>() // one encoding per format
        conns.forEach((c, j) => {
          const isShort = c.subs.get(`${channel}:${p.target}`)
          if (isShort === undefined) return
          let payload = encoded.get(isShort)
          if (payload === undefined) {
            payload = Buffer.from(body(channel, data, isShort))
            encoded.set(isShort, payload)
          }
          ;(out[j] as Buffer[]).push(...serverFrame(payload, false))
        })
      }
      conns.forEach((c, j) => {
        writeRaw(c.socket, Buffer.concat(out[j] as Buffer[]))
      })
      return count
    },
    async pace(perSecond, seconds) {
      const { targets } = subscribedTo('trade')
      const sends = new Map<string, number>()
      const start = performance.now()
      const total = Math.round(perSecond * seconds)
      let sent = 0
      while (sent < total) {
        const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * perSecond))
        const { conns } = subscribedTo('trade') // a replaced connection gets the rest
        for (; sent < due; sent++) {
          const p = state.get(targets[sent % targets.length] as string) as PairState
          const t = trade(p, Date.now())
          const encoded = new Map<boolean, string>()
          sends.set(t.id, performance.timeOrigin + performance.now())
          for (const c of conns) {
            const isShort = c.subs.get(`TRADE:${p.target}`)
            if (isShort === undefined) continue
            let text = encoded.get(isShort)
            if (text === undefined) {
              text = body('TRADE', t, isShort)
              encoded.set(isShort, text)
            }
            c.socket.send(text)
          }
        }
        await new Promise((resolve) => setTimeout(resolve, 1))
      }
      return sends
    },
    async close() {
      for (const c of connections) c.socket.terminate()
      wss.close()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
