import type { IncomingMessage } from 'node:http'
import type { Socket } from 'node:net'
import type { Clock } from '@bb/utils'
import { type WebSocket, WebSocketServer } from 'ws'
import type { Faults } from '../faults.js'
import type { MarketModel } from '../market/model.js'
import type { TradeRecord } from '../market/summary.js'
import { pingRound, terminateAll } from '../util/sockets.js'
import { SocketDelivery } from '../ws/delivery.js'
import { amt, px, qty, toJson } from './format.js'
import {
  type BnMarket,
  INTERVALS,
  type Interval,
  isInterval,
  klineNext,
  klineStart,
  rangeOf,
  stats24,
} from './market.js'
import { AGG_OFFSET } from './rest.js'
import type { BinanceSimStats } from './types.js'

type Parsed =
  | { readonly bm: BnMarket; readonly kind: 'trade' | 'aggTrade' | 'bookTicker' | 'ticker' | 'miniTicker' }
  | { readonly bm: BnMarket; readonly kind: 'depth'; readonly speed: 100 | 1000 }
  | { readonly bm: BnMarket; readonly kind: 'partial'; readonly levels: number; readonly speed: 100 | 1000 }
  | { readonly bm: BnMarket; readonly kind: 'kline'; readonly interval: Interval }

const STREAM_RE =
  /^([a-z0-9]+)@(trade|aggTrade|bookTicker|ticker|miniTicker|depth(5|10|20)?(@100ms|@1000ms)?|kline_([0-9a-zA-Z]+))$/

interface Conn {
  readonly ws: WebSocket
  readonly subs: Set<string>
  combined: boolean
  msgWindow: number
  msgCount: number
  lastPing: number
  pingWall: number
  pongPending: boolean
  /** The frame faults of this connection (silence, reorder, corruption, delay). */
  readonly delivery: SocketDelivery<string>
}

/** Options of the Binance stream hub. */
export interface HubOptions {
  readonly model: MarketModel
  readonly markets: readonly BnMarket[]
  readonly wall: Clock
  readonly pingIntervalMs: number
  readonly messagesPerSecond: number
  readonly now: () => number
  /** Fault injection shared with the REST side (`sim.faults`). */
  readonly faults: Faults
  /** The sim's counters (diff-depth events sent and skipped). */
  readonly stats: BinanceSimStats
}

/**
 * Binance market streams: `/ws[/<stream>]` (raw) and `/stream?streams=a/b` (combined), the
 * control messages, the per-connection message limit and server pings on the sim's clock.
 */
export class BinanceHub {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 1 << 20 })
  private readonly conns = new Set<Conn>()
  private readonly byLower: Map<string, BnMarket>
  private readonly klineOpen = new Map<string, number>()
  private readonly timers = new Set<unknown>()
  private lastStep: number
  /** Diff-depth events still to withhold, per symbol (`skipDepthUpdates`). */
  private readonly skips = new Map<string, number>()

  constructor(private readonly o: HubOptions) {
    this.byLower = new Map(o.markets.map((bm) => [bm.sym.symbol.toLowerCase(), bm]))
    this.lastStep = o.model.processedTime
  }

  /** Withholds the next `count` diff-depth events of `symbol` (a gap in the update ids). */
  skipDepth(symbol: string, count: number): void {
    this.skips.set(symbol, (this.skips.get(symbol) ?? 0) + count)
  }

  /** Number of open connections. */
  get connections(): number {
    return this.conns.size
  }

  /** Parses a stream name (undefined when invalid). */
  parse(name: string): Parsed | undefined {
    const mm = STREAM_RE.exec(name)
    if (!mm) return undefined
    const bm = this.byLower.get(mm[1] as string)
    if (!bm) return undefined
    const kind = mm[2] as string
    const speed = mm[4] === '@100ms' ? 100 : 1000
    if (kind.startsWith('kline_')) {
      const i = mm[5] as string
      return isInterval(i) ? { bm, kind: 'kline', interval: i } : undefined
    }
    if (kind.startsWith('depth')) {
      if (mm[3]) return { bm, kind: 'partial', levels: Number(mm[3]), speed }
      return { bm, kind: 'depth', speed }
    }
    return { bm, kind: kind as 'trade' }
  }

  /** Handles an HTTP upgrade; false when the path is not a stream path. */
  handleUpgrade(req: IncomingMessage, socket: Socket, head: Buffer): boolean {
    const url = new URL(req.url ?? '/', 'http://sim.local')
    let path: string
    try {
      path = decodeURIComponent(url.pathname) // URL-encoded stream names are accepted
    } catch {
      return false
    }
    let initial: string[] = []
    let combined = false
    if (path === '/stream' || path === '/stream/') {
      combined = true
      initial = (url.searchParams.get('streams') ?? '').split('/').filter((s) => s !== '')
    } else if (path === '/ws' || path === '/ws/') {
      initial = []
    } else if (path.startsWith('/ws/')) {
      const name = path.slice(4)
      // ccxt connects to /ws/<n> and subscribes afterwards: anything not a stream is a bare connection
      initial = this.parse(name) ? [name] : []
    } else return false
    const valid = initial.filter((s) => this.parse(s) !== undefined)
    this.wss.handleUpgrade(req, socket, head, (ws) => this.attach(ws, combined, valid))
    return true
  }

  private attach(ws: WebSocket, combined: boolean, streams: string[]): void {
    const conn: Conn = {
      ws,
      subs: new Set(streams.slice(0, 1024)),
      combined,
      msgWindow: 0,
      msgCount: 0,
      lastPing: this.o.now(),
      pingWall: 0,
      pongPending: false,
      delivery: new SocketDelivery<string>(
        { faults: this.o.faults, clock: this.o.wall, timers: this.timers },
        { isOpen: () => ws.readyState === 1, write: (text) => ws.send(text) },
      ),
    }
    this.conns.add(conn)
    ws.on('message', (data, isBinary) => {
      if (!this.countIncoming(conn)) return
      this.control(conn, isBinary ? '' : String(data))
    })
    ws.on('ping', () => this.countIncoming(conn))
    ws.on('pong', () => {
      conn.pongPending = false
    })
    ws.on('close', () => {
      this.conns.delete(conn)
      conn.delivery.discard()
    })
    ws.on('error', () => this.conns.delete(conn))
  }

  /** Counts an incoming frame; over the per-second limit the connection is closed. */
  private countIncoming(conn: Conn): boolean {
    const w = Math.floor(this.o.wall.now() / 1000)
    if (w !== conn.msgWindow) {
      conn.msgWindow = w
      conn.msgCount = 0
    }
    conn.msgCount++
    if (conn.msgCount > this.o.messagesPerSecond) {
      conn.ws.close(1008, 'Too many messages')
      this.conns.delete(conn)
      return false
    }
    return true
  }

  private reply(conn: Conn, body: unknown): void {
    this.deliver(conn, toJson(body), 'control')
  }

  /** Drops every connection at once, without a close frame (clients see 1006); returns how many. */
  dropAll(): number {
    return terminateAll(this.conns)
  }

  /** Sends one text frame, applying the faults: silence, late trades, corruption, delay. */
  private deliver(conn: Conn, text: string, type: string): void {
    conn.delivery.send(text, type)
  }

  private control(conn: Conn, text: string): void {
    this.reply(conn, this.answer(conn, text))
  }

  private answer(conn: Conn, text: string): unknown {
    let msg: unknown
    try {
      msg = JSON.parse(text)
    } catch {
      return { error: { code: 3, msg: 'Invalid JSON: expected value at line 1 column 1' }, id: null }
    }
    if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) {
      return { error: { code: 3, msg: 'Invalid JSON: expected value at line 1 column 1' }, id: null }
    }
    const m = msg as { method?: unknown; params?: unknown; id?: unknown }
    const id = m.id ?? null
    const idOk =
      id === null ||
      (typeof id === 'number' && Number.isInteger(id)) ||
      (typeof id === 'string' && /^[A-Za-z0-9-]{1,36}$/.test(id))
    const fail = (code: number, text2: string): unknown => ({
      error: { code, msg: text2 },
      id: idOk ? id : null,
    })
    if (!idOk) return fail(2, 'Invalid request: request ID must be an unsigned integer')
    if (m.method === undefined) return fail(2, 'Invalid request: missing field `method`')
    const params = m.params === undefined ? [] : m.params
    if (!Array.isArray(params)) return fail(2, 'Invalid request: invalid type for `params`')
    switch (m.method) {
      case 'SUBSCRIBE':
      case 'UNSUBSCRIBE': {
        if (params.some((p) => typeof p !== 'string' || this.parse(p) === undefined))
          return fail(2, 'Invalid request: invalid stream')
        if (m.method === 'SUBSCRIBE') {
          const next = new Set([...conn.subs, ...(params as string[])])
          if (next.size > 1024) return fail(2, 'Invalid request: too many streams')
          for (const p of params as string[]) conn.subs.add(p)
        } else for (const p of params as string[]) conn.subs.delete(p)
        return { result: null, id }
      }
      case 'LIST_SUBSCRIPTIONS':
        return { result: [...conn.subs], id }
      case 'SET_PROPERTY': {
        if (params[0] !== 'combined') return fail(0, 'Unknown property')
        if (typeof params[1] !== 'boolean') return fail(1, 'Invalid value type: expected Boolean')
        conn.combined = params[1]
        return { result: null, id }
      }
      case 'GET_PROPERTY':
        if (params[0] !== 'combined') return fail(0, 'Unknown property')
        return { result: conn.combined, id }
      default:
        return fail(
          2,
          `Invalid request: unknown variant \`${String(m.method)}\`, expected one of \`SUBSCRIBE\`, \`UNSUBSCRIBE\`, \`LIST_SUBSCRIPTIONS\`, \`SET_PROPERTY\`, \`GET_PROPERTY\``,
        )
    }
  }

  private subscribed(stream: string): Conn[] {
    const out: Conn[] = []
    for (const c of this.conns) if (c.subs.has(stream)) out.push(c)
    return out
  }

  private publish(stream: string, data: () => unknown): void {
    const targets = this.subscribed(stream)
    if (targets.length === 0) return
    const payload = data()
    const raw = toJson(payload)
    let wrapped: string | undefined
    const type = stream.endsWith('@trade') ? 'trade' : 'data'
    for (const c of targets) {
      if (c.ws.readyState !== 1) continue
      if (c.combined) {
        wrapped ??= `{"stream":${JSON.stringify(stream)},"data":${raw}}`
        this.deliver(c, wrapped, type)
      } else this.deliver(c, raw, type)
    }
  }

  /** A trade entered the tape: `@trade`, `@aggTrade`, then the book moved: `@bookTicker`. */
  onTrade(bm: BnMarket, id: number, t: TradeRecord, bookChanged: boolean): void {
    const s = bm.sym.symbol
    const lower = s.toLowerCase()
    const q = qty(bm.sym, t.volume)
    this.publish(`${lower}@trade`, () => ({
      e: 'trade',
      E: t.ts,
      s,
      t: bm.wire.out(id),
      p: px(t.price),
      q,
      T: t.ts,
      m: !t.bid,
      M: true,
    }))
    this.publish(`${lower}@aggTrade`, () => ({
      e: 'aggTrade',
      E: t.ts,
      s,
      a: bm.wire.out(id + AGG_OFFSET),
      p: px(t.price),
      q,
      f: bm.wire.out(id),
      l: bm.wire.out(id),
      T: t.ts,
      m: !t.bid,
      M: true,
    }))
    if (bookChanged)
      this.publish(`${lower}@bookTicker`, () => {
        const { bid, ask } = bm.depth.best()
        return {
          u: bm.depth.lastUpdateId,
          s,
          b: bid?.[0] ?? '0.00000000',
          B: bid?.[1] ?? '0.00000000',
          a: ask?.[0] ?? '0.00000000',
          A: ask?.[1] ?? '0.00000000',
        }
      })
  }

  /** Time reached `t`: emits the timed streams whose boundaries were crossed, and pings. */
  step(t: number): void {
    const prev = this.lastStep
    if (t <= prev) return
    this.lastStep = t
    const crossed = (period: number): boolean =>
      Math.floor((t + 1) / period) > Math.floor((prev + 1) / period)
    const at100 = crossed(100)
    const at1000 = crossed(1000)
    const at2000 = crossed(2000)
    for (const bm of this.o.markets) {
      const lower = bm.sym.symbol.toLowerCase()
      if (at100) this.depthStreams(bm, lower, 100, t)
      if (at1000) {
        this.depthStreams(bm, lower, 1000, t)
        this.tickers(bm, lower, t)
      }
      for (const i of INTERVALS) if (i === '1s' ? at1000 : at2000) this.kline(bm, lower, i, t)
    }
    pingRound(this.conns, t, {
      intervalMs: this.o.pingIntervalMs,
      pongTimeoutMs: 60_000,
      wall: this.o.wall,
      faults: this.o.faults,
    })
  }

  private depthStreams(bm: BnMarket, lower: string, speed: 100 | 1000, t: number): void {
    const suffix = speed === 100 ? '@100ms' : ''
    const diff = bm.depth.take(speed)
    const tape = this.o.stats.markets[bm.sym.symbol]
    const skip = speed === 100 ? (this.skips.get(bm.sym.symbol) ?? 0) : 0
    if (diff && skip > 0 && this.subscribed(`${lower}@depth@100ms`).length > 0) {
      // Withheld: the ids U…u are consumed and never sent (only the 100 ms stream counts it).
      this.skips.set(bm.sym.symbol, skip - 1)
      if (tape) tape.depthDiffsSkipped++
    } else if (diff) {
      if (speed === 100 && tape && this.subscribed(`${lower}@depth@100ms`).length > 0) tape.depthDiffsSent++
      const ev = () => ({
        e: 'depthUpdate',
        E: t,
        s: bm.sym.symbol,
        U: diff.U,
        u: diff.u,
        b: diff.bids,
        a: diff.asks,
      })
      this.publish(`${lower}@depth${suffix}`, ev)
      if (speed === 1000) this.publish(`${lower}@depth@1000ms`, ev)
    }
    for (const n of [5, 10, 20]) {
      const snap = () => bm.depth.snapshot(n)
      this.publish(`${lower}@depth${n}${suffix}`, snap)
      if (speed === 1000) this.publish(`${lower}@depth${n}@1000ms`, snap)
    }
  }

  private tickers(bm: BnMarket, lower: string, t: number): void {
    const s = bm.sym.symbol
    const need = this.subscribed(`${lower}@ticker`).length + this.subscribed(`${lower}@miniTicker`).length
    if (need === 0) return
    const st = stats24(this.o.model, bm)
    const wap = st.volume > 0 ? st.turnover / st.volume : 0
    this.publish(`${lower}@ticker`, () => {
      const { bid, ask } = bm.depth.best()
      return {
        e: '24hrTicker',
        E: t,
        s,
        p: px(st.last - st.open),
        P: st.open > 0 ? (((st.last - st.open) / st.open) * 100).toFixed(3) : '0.000',
        w: px(wap),
        x: px(st.prevClose),
        c: px(st.last),
        Q: st.lastQty,
        b: bid?.[0] ?? '0.00000000',
        B: bid?.[1] ?? '0.00000000',
        a: ask?.[0] ?? '0.00000000',
        A: ask?.[1] ?? '0.00000000',
        o: px(st.open),
        h: px(st.high),
        l: px(st.low),
        v: amt(st.volume),
        q: amt(st.turnover),
        O: st.openTime,
        C: st.closeTime,
        F: bm.wire.out(st.firstId),
        L: bm.wire.out(st.lastId),
        n: st.count,
      }
    })
    this.publish(`${lower}@miniTicker`, () => ({
      e: '24hrMiniTicker',
      E: t,
      s,
      c: px(st.last),
      o: px(st.open),
      h: px(st.high),
      l: px(st.low),
      v: amt(st.volume),
      q: amt(st.turnover),
    }))
  }

  private kline(bm: BnMarket, lower: string, i: Interval, t: number): void {
    const stream = `${lower}@kline_${i}`
    if (this.subscribed(stream).length === 0) return
    const key = `${lower}:${i}`
    const start = klineStart(i, t)
    const open = this.klineOpen.get(key)
    if (open !== undefined && open < start) this.publish(stream, () => this.klineEvent(bm, i, open, t, true))
    this.klineOpen.set(key, start)
    this.publish(stream, () => this.klineEvent(bm, i, start, t, false))
  }

  private klineEvent(bm: BnMarket, i: Interval, start: number, t: number, closed: boolean): unknown {
    const end = klineNext(i, start)
    const s = rangeOf(this.o.model, bm.m, start, Math.min(end, t + 1))
    const last = bm.ids.fromId(bm.ids.lastId(), 1)[0]
    const price = s?.close ?? last?.trade.price ?? bm.sym.def.referencePrice
    const f = s ? bm.ids.firstIdAtOrAfter(start) : -1
    const vwap = s && s.volume > 0 ? s.turnover / s.volume : price
    return {
      e: 'kline',
      E: t,
      s: bm.sym.symbol,
      k: {
        t: start,
        T: end - 1,
        s: bm.sym.symbol,
        i,
        f: bm.wire.out(f),
        L: bm.wire.out(s ? f + s.count - 1 : -1),
        o: px(s?.open ?? price),
        c: px(price),
        h: px(s?.high ?? price),
        l: px(s?.low ?? price),
        v: amt(s?.volume ?? 0),
        n: s?.count ?? 0,
        x: closed,
        q: amt(s?.turnover ?? 0),
        V: amt(s?.bidVolume ?? 0),
        Q: amt((s?.bidVolume ?? 0) * vwap),
        B: '0',
      },
    }
  }

  /** Closes every connection. */
  async close(): Promise<void> {
    for (const t of this.timers) this.o.wall.clearTimeout(t)
    this.timers.clear()
    for (const c of this.conns) c.ws.terminate()
    this.conns.clear()
    await new Promise<void>((resolve) => this.wss.close(() => resolve()))
  }
}
