/**
 * A Binance-format market feed that is not @bb/sim: a plain `node:http` + `ws` server with its own
 * id scheme (each symbol's trade ids contiguous from its own base, `9,000,000,000 + i × 10^11`, as
 * Binance's are per symbol) and its own book (100 levels a side around a fixed mid; each diff sets
 * 2–4 levels, one in ten to zero). It speaks what a Binance Spot client uses:
 * - combined streams on `/stream` (`{"stream":"btcusdt@trade","data":{…}}`) and raw streams on
 *   `/ws/<anything>` (the payload alone, as ccxt connects), subscribed with
 *   `{"method":"SUBSCRIBE","params":[…],"id":n}` (answered `{"result":null,"id":n}`) or with
 *   `?streams=a/b` on the URL; `LIST_SUBSCRIPTIONS` answered with the stream list; a protocol ping
 *   every 20 s;
 * - `<symbol>@trade` frames (`e:"trade"`, `t` the id) and `<symbol>@depth@100ms` diffs
 *   (`e:"depthUpdate"`, `U` = previous `u` + 1, `u` = `U` + changes − 1);
 * - REST: `/api/v3/ping`, `/time`, `/exchangeInfo`, `/depth` (`lastUpdateId` and the top `limit`
 *   levels), `/trades`, `/historicalTrades` (`fromId`, from the last 5,000 trades).
 * An unknown path is a 400 with Binance's `{code,msg}` and a line on stderr (what a client asked
 * that this feed does not serve). Nothing here is shared with the library under test.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type WebSocket from 'ws'
import { WebSocketServer } from 'ws'
import { type Feed, type FeedKind, serverFrame, writeRaw } from './feed.js'

const COINS = ['BTC', 'ETH', 'BNB', 'SOL', 'XRP', 'DOGE', 'ADA', 'TRX', 'LINK', 'AVAX', 'DOT', 'SUI']
const LEVELS = 100
const RECENT = 5000

/** Symbols the Binance feed lists: `BTCUSDT`, `ETHUSDT`, … then `C013USDT` … for more. */
export function binanceFeedSymbols(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${COINS[i] ?? `C${String(i + 1).padStart(3, '0')}`}USDT`)
}

interface TradeRow {
  readonly id: number
  readonly price: string
  readonly qty: string
  readonly time: number
  readonly buyerMaker: boolean
}

interface SymbolState {
  readonly symbol: string
  readonly base: string
  readonly lower: string
  readonly tick: number
  readonly mid: number
  price: number
  nextId: number
  readonly recent: TradeRow[] // oldest first, at most RECENT
  lastUpdateId: number
  /** price level index (−LEVELS…−1 bids, 1…LEVELS asks) → quantity text ("0.00000000" = absent). */
  readonly book: Map<number, string>
}

interface Connection {
  readonly socket: WebSocket
  readonly combined: boolean
  readonly streams: Set<string>
}

const suffixOf: Record<FeedKind, string> = { trade: '@trade', orderbook: '@depth@100ms', ticker: '@ticker' }

/** Starts the Binance-format feed on 127.0.0.1 with `markets` symbols. */
export async function startBinanceFeed(markets: number): Promise<Feed> {
  let seed = 424242
  const random = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648
    return seed / 2_147_483_648
  }
  const qtyText = () => (Math.round(random() * 1e6) / 1e6 + 0.000001).toFixed(8)
  const state = new Map<string, SymbolState>()
  binanceFeedSymbols(markets).forEach((symbol, i) => {
    const tick = i % 2 === 0 ? 0.01 : 0.0001
    const mid = (i % 2 === 0 ? 50_000 : 3) + i
    const s: SymbolState = {
      symbol,
      base: symbol.slice(0, -4),
      lower: symbol.toLowerCase(),
      tick,
      mid,
      price: mid,
      nextId: 9_000_000_000 + i * 100_000_000_000,
      recent: [],
      lastUpdateId: 70_000_000 + i * 1_000_000,
      book: new Map(),
    }
    for (let k = 1; k <= LEVELS; k++) {
      s.book.set(-k, qtyText())
      s.book.set(k, qtyText())
    }
    state.set(symbol, s)
  })
  const priceText = (s: SymbolState, level: number) => (s.mid + level * s.tick).toFixed(8)

  const trade = (s: SymbolState, now: number) => {
    const step = Math.round((random() - 0.5) * 4)
    s.price = Math.max(s.tick, s.price + step * s.tick)
    const row: TradeRow = {
      id: s.nextId++,
      price: s.price.toFixed(8),
      qty: qtyText(),
      time: now,
      buyerMaker: random() < 0.5,
    }
    s.recent.push(row)
    if (s.recent.length > RECENT) s.recent.splice(0, s.recent.length - RECENT)
    return {
      e: 'trade',
      E: now,
      s: s.symbol,
      t: row.id,
      p: row.price,
      q: row.qty,
      T: now,
      m: row.buyerMaker,
      M: true,
    }
  }
  const diff = (s: SymbolState, now: number) => {
    const changes = 2 + Math.floor(random() * 3)
    const b: [string, string][] = []
    const a: [string, string][] = []
    for (let c = 0; c < changes; c++) {
      const k = 1 + Math.floor(random() * 20) // the top 20 levels move most, as on a real book
      const level = c % 2 === 0 ? -k : k
      const q = random() < 0.1 ? '0.00000000' : qtyText()
      s.book.set(level, q)
      ;(level < 0 ? b : a).push([priceText(s, level), q])
    }
    const U = s.lastUpdateId + 1
    s.lastUpdateId += changes
    return { e: 'depthUpdate', E: now, s: s.symbol, U, u: s.lastUpdateId, b, a }
  }
  const snapshot = (s: SymbolState, limit: number) => {
    const side = (sign: 1 | -1) => {
      const out: [string, string][] = []
      for (let k = 1; k <= LEVELS && out.length < limit; k++) {
        const q = s.book.get(sign * k) as string
        if (q !== '0.00000000') out.push([priceText(s, sign * k), q])
      }
      return out
    }
    return { lastUpdateId: s.lastUpdateId, bids: side(-1), asks: side(1) }
  }
  const restTrade = (t: TradeRow) => ({
    id: t.id,
    price: t.price,
    qty: t.qty,
    quoteQty: (Number(t.price) * Number(t.qty)).toFixed(8),
    time: t.time,
    isBuyerMaker: t.buyerMaker,
    isBestMatch: true,
  })
  const symbolInfo = (s: SymbolState) => ({
    symbol: s.symbol,
    status: 'TRADING',
    baseAsset: s.base,
    baseAssetPrecision: 8,
    quoteAsset: 'USDT',
    quotePrecision: 8,
    quoteAssetPrecision: 8,
    baseCommissionPrecision: 8,
    quoteCommissionPrecision: 8,
    orderTypes: ['LIMIT', 'LIMIT_MAKER', 'MARKET'],
    icebergAllowed: false,
    ocoAllowed: false,
    quoteOrderQtyMarketAllowed: true,
    allowTrailingStop: false,
    cancelReplaceAllowed: false,
    isSpotTradingAllowed: true,
    isMarginTradingAllowed: false,
    filters: [
      {
        filterType: 'PRICE_FILTER',
        minPrice: s.tick.toFixed(8),
        maxPrice: '1000000.00000000',
        tickSize: s.tick.toFixed(8),
      },
      { filterType: 'LOT_SIZE', minQty: '0.00000100', maxQty: '9000.00000000', stepSize: '0.00000100' },
      {
        filterType: 'NOTIONAL',
        minNotional: '5.00000000',
        applyMinToMarket: true,
        maxNotional: '9000000.00000000',
        applyMaxToMarket: false,
        avgPriceMins: 5,
      },
    ],
    permissions: [],
    permissionSets: [['SPOT']],
    defaultSelfTradePreventionMode: 'EXPIRE_MAKER',
    allowedSelfTradePreventionModes: ['EXPIRE_MAKER'],
  })

  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json;charset=UTF-8', 'x-mbx-used-weight-1m': '1' })
    res.end(JSON.stringify(body))
  }
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    const q = url.searchParams
    const one = () => state.get((q.get('symbol') ?? '').toUpperCase())
    const limit = (fallback: number, max: number) =>
      Math.min(max, Number(q.get('limit') ?? fallback) || fallback)
    const bad = () => json(res, 400, { code: -1121, msg: 'Invalid symbol.' })
    switch (url.pathname) {
      case '/api/v3/ping':
        return json(res, 200, {})
      case '/api/v3/time':
        return json(res, 200, { serverTime: Date.now() })
      case '/api/v3/exchangeInfo':
        return json(res, 200, {
          timezone: 'UTC',
          serverTime: Date.now(),
          rateLimits: [{ rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: 6000 }],
          exchangeFilters: [],
          symbols: [...state.values()].map(symbolInfo),
        })
      case '/api/v3/depth': {
        const s = one()
        return s ? json(res, 200, snapshot(s, limit(100, 5000))) : bad()
      }
      case '/api/v3/trades': {
        const s = one()
        return s ? json(res, 200, s.recent.slice(-limit(500, 1000)).map(restTrade)) : bad()
      }
      case '/api/v3/historicalTrades': {
        const s = one()
        if (!s) return bad()
        const n = limit(500, 1000)
        const from = q.get('fromId')
        if (from === null) return json(res, 200, s.recent.slice(-n).map(restTrade))
        const first = s.recent[0]?.id ?? s.nextId
        const start = Math.max(0, Number(from) - first)
        return json(res, 200, s.recent.slice(start, start + n).map(restTrade))
      }
      default:
        process.stderr.write(`binance feed: no route ${req.method} ${url.pathname}${url.search}\n`)
        return json(res, 400, { code: -1100, msg: `No route ${url.pathname} in the bench feed.` })
    }
  })

  const wss = new WebSocketServer({ server, perMessageDeflate: false })
  const connections = new Set<Connection>()
  const waiters: (() => void)[] = []
  const wake = () => {
    for (const w of waiters.splice(0)) w()
  }
  wss.on('connection', (socket, req) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    const combined = url.pathname === '/stream'
    if (!combined && !url.pathname.startsWith('/ws')) return socket.close(1008, 'unknown path')
    const conn: Connection = { socket, combined, streams: new Set() }
    for (const name of (url.searchParams.get('streams') ?? '').split('/')) if (name) conn.streams.add(name)
    connections.add(conn)
    if (conn.streams.size > 0) wake()
    const pinger = setInterval(() => socket.ping(), 20_000)
    socket.on('close', () => {
      clearInterval(pinger)
      connections.delete(conn)
    })
    socket.on('message', (data) => {
      let request: { method?: unknown; params?: unknown; id?: unknown }
      try {
        request = JSON.parse(data.toString()) as typeof request
      } catch {
        return socket.send(JSON.stringify({ error: { code: 3, msg: 'Invalid JSON' } }))
      }
      const id = request.id ?? null
      const params = Array.isArray(request.params) ? (request.params as unknown[]).map(String) : []
      switch (request.method) {
        case 'SUBSCRIBE':
          for (const p of params) conn.streams.add(p)
          socket.send(JSON.stringify({ result: null, id }))
          return wake()
        case 'UNSUBSCRIBE':
          for (const p of params) conn.streams.delete(p)
          return socket.send(JSON.stringify({ result: null, id }))
        case 'LIST_SUBSCRIPTIONS':
          return socket.send(JSON.stringify({ result: [...conn.streams], id }))
        default:
          return socket.send(JSON.stringify({ error: { code: 2, msg: 'Invalid request' }, id }))
      }
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo

  /** The symbols some connection takes `kind` of, and the connections. */
  const subscribedTo = (kind: FeedKind) => {
    const symbols = new Set<string>()
    const conns: Connection[] = []
    for (const c of connections) {
      let any = false
      for (const s of state.values())
        if (c.streams.has(s.lower + suffixOf[kind])) {
          symbols.add(s.symbol)
          any = true
        }
      if (any) conns.push(c)
    }
    return { symbols: [...symbols].sort(), conns }
  }
  const make = (kind: FeedKind, s: SymbolState, now: number) =>
    kind === 'trade' ? trade(s, now) : diff(s, now)
  const wire = (c: Connection, stream: string, data: string) =>
    c.combined ? `{"stream":"${stream}","data":${data}}` : data

  return {
    restUrl: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/stream`,
    async subscribers(kind, count) {
      while (subscribedTo(kind).conns.length < count)
        await new Promise<void>((resolve) => waiters.push(resolve))
    },
    async burst(kind, count) {
      if (kind === 'ticker') throw new Error('the Binance feed sends trades and depth diffs only')
      const { symbols, conns } = subscribedTo(kind)
      const now = Date.now()
      const out = conns.map(() => [] as Buffer[])
      for (let i = 0; i < count; i++) {
        // Yield now and then so that pings, LIST_SUBSCRIPTIONS and REST are answered meanwhile.
        if (i % 2000 === 1999) await new Promise((resolve) => setImmediate(resolve))
        const s = state.get(symbols[i % symbols.length] as string) as SymbolState
        const stream = s.lower + suffixOf[kind]
        const data = JSON.stringify(make(kind, s, now))
        conns.forEach((c, j) => {
          if (!c.streams.has(stream)) return
          const payload = Buffer.from(wire(c, stream, data))
          ;(out[j] as Buffer[]).push(...serverFrame(payload, false))
        })
      }
      conns.forEach((c, j) => {
        writeRaw(c.socket, Buffer.concat(out[j] as Buffer[]))
      })
      return count
    },
    async pace(perSecond, seconds) {
      const { symbols } = subscribedTo('trade')
      const sends = new Map<string, number>()
      const start = performance.now()
      const total = Math.round(perSecond * seconds)
      let sent = 0
      while (sent < total) {
        const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * perSecond))
        const { conns } = subscribedTo('trade') // a replaced connection gets the rest
        for (; sent < due; sent++) {
          const s = state.get(symbols[sent % symbols.length] as string) as SymbolState
          const stream = `${s.lower}@trade`
          const t = trade(s, Date.now())
          const data = JSON.stringify(t)
          sends.set(String(t.t), performance.timeOrigin + performance.now())
          for (const c of conns) if (c.streams.has(stream)) c.socket.send(wire(c, stream, data))
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
