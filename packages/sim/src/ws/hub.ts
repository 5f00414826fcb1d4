import { randomUUID } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import { type Clock, every, systemClock } from '@bb/utils'
import { type WebSocket, WebSocketServer } from 'ws'
import type { Account, Engine, Fill, Order } from '../exchange/engine.js'
import { verifyJwt } from '../exchange/jwt.js'
import type { Faults } from '../faults.js'
import type { RateLimiter } from '../limits.js'
import { candleSummary, intervalStart, latestCandle } from '../market/candles.js'
import type { MarketModel, MarketState } from '../market/model.js'
import type { TradeRecord } from '../market/summary.js'
import { supportedLevels, tickFor } from '../market/ticks.js'
import {
  arr,
  type Field,
  num,
  obj,
  type Raw,
  render,
  shapeBook,
  str,
  tickerData,
  wsCandle,
  wsOrderbook,
  wsTicker,
  wsTrade,
} from '../market/views.js'
import type { SimLogger, SimStats } from '../types.js'
import { SocketDelivery } from './delivery.js'
import { Outbox } from './outbox.js'
import {
  CANDLE_TYPES,
  MESSAGES,
  type ParseResult,
  parseRequest,
  type Sub,
  type WsFormat,
} from './protocol.js'
import { myAssetFields, myOrderFields, quoteUpdates } from './publishers.js'
import { type Entry, SubscriptionIndex } from './subscriptions.js'

interface Conn {
  readonly ws: WebSocket
  readonly id: number
  readonly ip: string
  readonly account: Account | undefined
  format: WsFormat
  subs: Sub[]
  ticket: string | undefined
  lastInbound: number
  upTimer: (() => void) | undefined
  readonly msgTimes: number[]
  closing: boolean
  /** Frames waiting for the next flush (written as one TCP write). */
  out: Buffer[]
  outBytes: number
  /** The frame faults of this connection (silence, reorder, corruption, delay). */
  readonly delivery: SocketDelivery<Buffer>
}

/** Dependencies of the hub. */
export interface HubOptions {
  readonly model: MarketModel
  readonly engine: Engine
  readonly faults: Faults
  readonly stats: SimStats
  readonly limiter: RateLimiter
  readonly logger: SimLogger | undefined
  readonly idleTimeoutMs: number
  readonly upIntervalMs: number
  /** Extra order-book frames per trade that share its timestamp (quote updates within one ms). */
  readonly bookUpdatesPerTrade?: number
  /** `false` in replay mode: no snapshots from the simulated market. */
  readonly synthetic: boolean
  /** The real-time clock of the hub's timers (idle checks, UP statuses, delays). @default systemClock */
  readonly clock?: Clock
}

/** The WebSocket side: parses requests, keeps subscriptions and fans out frames. */
export class WsHub {
  private readonly wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    maxPayload: 64 * 1024,
  })
  private readonly conns = new Set<Conn>()
  private readonly subscriptions = new SubscriptionIndex<Conn>()
  private readonly outbox: Outbox<Conn>
  private readonly privateConns = new Set<Conn>()
  private readonly candleDirty = new Set<MarketState>()
  private readonly timers = new Set<unknown>()
  private idleTimer: (() => void) | undefined
  private readonly clock: Clock
  /** A timer callback that throws is logged, never fatal (the schedule continues). */
  private readonly contain = (error: unknown): void =>
    this.o.logger?.error(
      { error: error instanceof Error ? error.message : String(error) },
      'hub timer failed',
    )
  private nextId = 1
  private closed = false

  constructor(private readonly o: HubOptions) {
    this.clock = o.clock ?? systemClock
    this.outbox = new Outbox()
    if (o.idleTimeoutMs > 0) {
      this.idleTimer = every(
        this.clock,
        Math.max(50, Math.min(1000, o.idleTimeoutMs / 4)),
        () => this.checkIdle(),
        this.contain,
      )
    }
  }

  /** Number of open connections. */
  get size(): number {
    return this.conns.size
  }

  /** Handles an HTTP upgrade for the two WebSocket paths. Returns false when the path is not ours. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const path = (req.url ?? '/').split('?')[0]?.replace(/\/+$/, '')
    const isPrivate = path === '/websocket/v1/private'
    if (path !== '/websocket/v1' && !isPrivate) return false
    const ip = req.socket.remoteAddress ?? 'unknown'
    const authorization = req.headers.authorization
    let account: Account | undefined
    let authFailed = false
    if (authorization !== undefined || isPrivate) {
      const v = verifyJwt(authorization, (k) => this.o.engine.accounts.get(k)?.secretKey)
      if (typeof v === 'string') authFailed = true
      else {
        account = this.o.engine.accounts.get(v.accessKey)
        if (account?.nonces.has(v.nonce)) {
          authFailed = true
          account = undefined
        } else account?.nonces.add(v.nonce)
      }
    }
    const decision = this.o.limiter.take(
      'websocket-connect',
      account ? `key:${account.accessKey}` : `ip:${ip}`,
    )
    if (decision.kind !== 'ok') {
      this.o.stats.limitViolations['websocket-connect'] =
        (this.o.stats.limitViolations['websocket-connect'] ?? 0) + 1
      const status = decision.kind === 'banned' ? "418 I'm a teapot" : '429 Too Many Requests'
      const body = 'Too many API requests.'
      socket.end(
        `HTTP/1.1 ${status}\r\nContent-Type: text/plain;charset=UTF-8\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
      )
      return true
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      if (this.closed) {
        ws.terminate()
        return
      }
      const stats = this.o.stats.ws
      const conn: Conn = {
        ws,
        id: this.nextId++,
        ip,
        account,
        format: 'DEFAULT',
        subs: [],
        ticket: undefined,
        lastInbound: this.clock.now(),
        upTimer: undefined,
        msgTimes: [],
        closing: false,
        out: [],
        outBytes: 0,
        delivery: new SocketDelivery<Buffer>(
          { faults: this.o.faults, clock: this.clock, timers: this.timers },
          {
            isOpen: () => ws.readyState === ws.OPEN,
            write: (frame) => this.outbox.enqueue(conn, frame),
            counted: (type) => {
              stats.messagesSent++
              stats.messagesByType[type] = (stats.messagesByType[type] ?? 0) + 1
            },
          },
        ),
      }
      this.conns.add(conn)
      if (account) this.privateConns.add(conn)
      this.o.stats.ws.connectionsOpen = this.conns.size
      this.o.stats.ws.connectionsTotal++
      ws.on('message', (data, isBinary) => this.onMessage(conn, data, isBinary))
      ws.on('ping', () => {
        conn.lastInbound = this.clock.now()
      })
      ws.on('pong', () => {
        conn.lastInbound = this.clock.now()
      })
      ws.on('close', () => this.remove(conn))
      ws.on('error', () => this.remove(conn))
      if (isPrivate && authFailed) this.fail(conn, 'INVALID_AUTH')
    })
    return true
  }

  private remove(conn: Conn): void {
    if (!this.conns.delete(conn)) return
    this.privateConns.delete(conn)
    this.unindex(conn)
    conn.delivery.discard()
    conn.upTimer?.()
    conn.upTimer = undefined
    this.o.stats.ws.connectionsOpen = this.conns.size
  }

  private checkIdle(): void {
    const limit = this.clock.now() - this.o.idleTimeoutMs
    for (const c of this.conns) {
      if (c.lastInbound < limit) {
        this.o.logger?.debug({ conn: c.id }, 'idle timeout')
        c.ws.terminate()
        this.remove(c)
      }
    }
  }

  // ------------------------------------------------------------------ inbound

  private onMessage(conn: Conn, data: unknown, _isBinary: boolean): void {
    conn.lastInbound = this.clock.now()
    if (conn.closing) return
    const text = Buffer.isBuffer(data)
      ? data.toString('utf8')
      : Array.isArray(data)
        ? Buffer.concat(data as Buffer[]).toString('utf8')
        : Buffer.from(data as ArrayBuffer).toString('utf8')
    this.o.stats.ws.requestsReceived++
    if (text.trim() === 'PING') {
      this.sendStatus(conn)
      if (!conn.upTimer) {
        conn.upTimer = every(this.clock, this.o.upIntervalMs, () => this.sendStatus(conn), this.contain)
      }
      return
    }
    if (!this.allowMessage(conn)) {
      this.o.stats.limitViolations['websocket-message'] =
        (this.o.stats.limitViolations['websocket-message'] ?? 0) + 1
      this.sendRaw(
        conn,
        obj([
          [
            'error',
            obj([
              ['name', '"TOO_MANY_REQUESTS"'],
              ['message', '"Too many requests."'],
            ]),
          ],
        ]),
        'error',
      )
      return
    }
    const parsed = this.parse(conn, text)
    if ('error' in parsed) {
      this.fail(conn, parsed.error, parsed.message)
      return
    }
    conn.ticket = parsed.ticket
    if (parsed.format) conn.format = parsed.format
    if (parsed.subs) {
      this.unindex(conn)
      conn.subs = parsed.subs
      this.indexConn(conn)
      if (this.o.synthetic) for (const s of parsed.subs) if (s.snapshot) this.sendSnapshot(conn, s)
    }
    if (parsed.list) this.sendList(conn)
  }

  private allowMessage(conn: Conn): boolean {
    const config = this.o.limiter.config
    if (config === false) return true
    const now = this.clock.now()
    const times = conn.msgTimes
    while (times.length > 0 && (times[0] as number) <= now - 60_000) times.shift()
    const rule = config.groups['websocket-message']
    let inWindow = 0
    for (let i = times.length - 1; i >= 0 && (times[i] as number) > now - rule.windowMs; i--) inWindow++
    if (inWindow >= rule.limit || times.length >= config.wsMessagesPerMinute) return false
    times.push(now)
    return true
  }

  private parse(conn: Conn, text: string): ParseResult {
    return parseRequest(text, conn.account !== undefined)
  }

  private fail(conn: Conn, name: string, message?: string): void {
    if (conn.closing) return
    conn.closing = true
    this.unindex(conn)
    const text = message ?? MESSAGES[name] ?? name
    this.sendRaw(
      conn,
      obj([
        [
          'error',
          obj([
            ['name', str(name)],
            ['message', str(text)],
          ]),
        ],
      ]),
      'error',
      true,
    )
    const t = this.clock.setTimeout(() => {
      this.timers.delete(t)
      if (conn.ws.readyState === conn.ws.OPEN) conn.ws.close(1000)
    }, 150)
    this.timers.add(t)
  }

  // ------------------------------------------------------------------ subscriptions

  private indexConn(conn: Conn): void {
    this.subscriptions.add(conn, conn.subs)
  }

  private unindex(conn: Conn): void {
    this.subscriptions.remove(conn, conn.subs)
  }

  private subscribers(type: string, code: string): Map<Conn, Entry> | undefined {
    return this.subscriptions.subscribers(type, code)
  }

  // ------------------------------------------------------------------ outbound

  private frameBuffer(conn: Conn, raw: Raw): Buffer {
    return Buffer.from(
      conn.format === 'JSON_LIST' || conn.format === 'SIMPLE_LIST' ? `[${raw}]` : raw,
      'utf8',
    )
  }

  private isSimple(conn: Conn): boolean {
    return conn.format === 'SIMPLE' || conn.format === 'SIMPLE_LIST'
  }

  /** Sends one frame (binary, UTF-8 JSON), applying faults. */
  private deliver(conn: Conn, frame: Buffer, type: string, force = false): void {
    conn.delivery.send(frame, type, force)
  }

  private sendRaw(conn: Conn, raw: Raw, type: string, force = false): void {
    this.deliver(conn, this.frameBuffer(conn, raw), type, force)
  }

  private sendFields(conn: Conn, fields: readonly Field[], type: string): void {
    this.sendRaw(conn, render(fields, this.isSimple(conn)), type)
  }

  private sendStatus(conn: Conn): void {
    // `{"status":"UP"}` is sent as Upbit does, without list wrapping
    this.deliver(conn, Buffer.from('{"status":"UP"}'), 'status')
  }

  private fanOut(targets: Iterable<Conn>, fields: readonly Field[], type: string): void {
    const cache: Partial<Record<WsFormat, Buffer>> = {}
    for (const conn of targets) {
      let buf = cache[conn.format]
      if (!buf) {
        buf = this.frameBuffer(conn, render(fields, this.isSimple(conn)))
        cache[conn.format] = buf
      }
      this.deliver(conn, buf, type)
    }
  }

  private sendList(conn: Conn): void {
    const simple = this.isSimple(conn)
    const result = conn.subs.map((s) => {
      const pairs: [string, Raw][] = [[simple ? 'ty' : 'type', str(s.type)]]
      if (s.codes) pairs.push([simple ? 'cds' : 'codes', arr(s.codes.map((c) => str(c.requested)))])
      if (s.type === 'orderbook') pairs.push([simple ? 'lv' : 'level', num(s.level ?? 0)])
      return obj(pairs)
    })
    const raw = obj([
      [simple ? 'mthd' : 'method', '"LIST_SUBSCRIPTIONS"'],
      [simple ? 'rslt' : 'result', arr(result)],
      [simple ? 'tckt' : 'ticket', str(conn.ticket ?? '')],
    ])
    this.sendRaw(conn, raw, 'LIST_SUBSCRIPTIONS')
  }

  private bookLevelOk(m: MarketState, level: number, price: number): boolean {
    if (level === 0) return true
    if (m.quote !== 'KRW') return false
    return supportedLevels(m.quote, price).map(Number).includes(level)
  }

  private sendSnapshot(conn: Conn, s: Sub): void {
    const model = this.o.model
    const now = model.processedTime
    for (const c of s.codes ?? []) {
      const m = model.market(c.code)
      if (!m) continue
      if (s.type === 'ticker') {
        const t = tickerData(model, m)
        if (t) this.sendFields(conn, wsTicker(t, 'SNAPSHOT', now), 'ticker')
      } else if (s.type === 'trade') {
        const t = model.lastTrade(m)
        if (t) {
          const prev = model.prevClose(m, Math.floor(t.ts / 86_400_000))
          this.sendFields(conn, wsTrade(model, m, t, prev, 'SNAPSHOT', now), 'trade')
        }
      } else if (s.type === 'orderbook') {
        const book = model.book(m)
        const level = s.level ?? 0
        const price = book.asks[0]?.[0] ?? 0
        if (!this.bookLevelOk(m, level, price)) continue
        const shaped = shapeBook(book, level, c.depth || 30, tickFor(m.quote, price).decimals)
        this.sendFields(conn, wsOrderbook(m.def.code, book, shaped, level, 'SNAPSHOT'), 'orderbook')
      } else {
        const unit = CANDLE_TYPES[s.type]
        if (!unit) continue
        const candle = latestCandle(model, m, unit)
        if (candle) this.sendFields(conn, wsCandle(m.def.code, s.type, candle, 'SNAPSHOT', now), s.type)
      }
    }
  }

  /** Called for every trade on the live tape. */
  onTrade(m: MarketState, t: TradeRecord): void {
    if (this.conns.size === 0) return
    const model = this.o.model
    const code = m.def.code
    const trades = this.subscribers('trade', code)
    if (trades) {
      const prev = model.prevClose(m, Math.floor(t.ts / 86_400_000))
      this.fanOut(trades.keys(), wsTrade(model, m, t, prev, 'REALTIME', t.ts), 'trade')
    }
    const tickers = this.subscribers('ticker', code)
    if (tickers) {
      const data = tickerData(model, m)
      if (data) this.fanOut(tickers.keys(), wsTicker(data, 'REALTIME', t.ts), 'ticker')
    }
    const books = this.subscribers('orderbook', code)
    if (books) {
      const book = model.book(m)
      const price = book.asks[0]?.[0] ?? 0
      const decimals = tickFor(m.quote, price).decimals
      const groups = new Map<string, Conn[]>()
      for (const [conn, e] of books) {
        const key = `${e.depth}:${e.level}`
        let g = groups.get(key)
        if (!g) {
          g = []
          groups.set(key, g)
        }
        g.push(conn)
      }
      for (const [key, conns] of groups) {
        const [depth, level] = key.split(':').map(Number) as [number, number]
        if (!this.bookLevelOk(m, level, price)) continue
        const shaped = shapeBook(book, level, depth || 30, decimals)
        this.fanOut(conns, wsOrderbook(code, book, shaped, level, 'REALTIME'), 'orderbook')
        // Quote updates between trades, in the same millisecond (as a busy real book has them).
        for (const varied of quoteUpdates(shaped, this.o.bookUpdatesPerTrade ?? 0))
          this.fanOut(conns, wsOrderbook(code, book, varied, level, 'REALTIME'), 'orderbook')
      }
    }
    for (const type of Object.keys(CANDLE_TYPES)) {
      if (this.subscribers(type, code)) {
        this.candleDirty.add(m)
        break
      }
    }
  }

  /** Pushes changed candles (called at most once per simulated second). */
  flushCandles(now: number): void {
    if (this.candleDirty.size === 0) return
    const model = this.o.model
    for (const m of this.candleDirty) {
      const last = m.last
      if (!last) continue
      for (const [type, unit] of Object.entries(CANDLE_TYPES)) {
        const subs = this.subscribers(type, m.def.code)
        if (!subs) continue
        const start = intervalStart(unit, last.ts)
        const summary = candleSummary(model, m, unit, start)
        if (!summary) continue
        this.fanOut(subs.keys(), wsCandle(m.def.code, type, { start, summary }, 'REALTIME', now), type)
      }
    }
    this.candleDirty.clear()
  }

  /** myOrder event. */
  onOrder(account: Account, order: Order, state: 'wait' | 'trade' | 'done' | 'cancel', fill?: Fill): void {
    if (this.privateConns.size === 0) return
    const targets: Conn[] = []
    const byCode = this.subscriptions.ofType('myOrder')
    if (!byCode) return
    for (const key of [order.market, '*']) {
      for (const conn of byCode.get(key)?.keys() ?? []) if (conn.account === account) targets.push(conn)
    }
    if (targets.length === 0) return
    const now = this.o.model.processedTime
    const fields = myOrderFields(order, state, fill, now)
    this.fanOut(targets, fields, 'myOrder')
  }

  /** myAsset event. */
  onAssets(account: Account, currencies: string[]): void {
    if (this.privateConns.size === 0) return
    const targets = [...(this.subscriptions.ofType('myAsset')?.get('*')?.keys() ?? [])].filter(
      (c) => c.account === account,
    )
    if (targets.length === 0) return
    const now = this.o.model.processedTime
    this.fanOut(targets, myAssetFields(account, currencies, now, randomUUID()), 'myAsset')
  }

  /** Sends a raw frame to every connection subscribed to `type` for `code` (replay). */
  broadcastRaw(type: string, code: string, frame: Buffer): void {
    const subs = this.subscribers(type, code)
    if (!subs) return
    for (const conn of subs.keys()) this.deliver(conn, frame, type)
  }

  /** Drops every connection abruptly; returns how many. */
  dropAll(): number {
    const n = this.conns.size
    for (const c of [...this.conns]) {
      c.ws.terminate()
      this.remove(c)
    }
    return n
  }

  /** Closes everything. */
  close(): Promise<void> {
    this.closed = true
    this.idleTimer?.()
    for (const t of this.timers) this.clock.clearTimeout(t)
    this.timers.clear()
    this.dropAll()
    return new Promise((resolve) => this.wss.close(() => resolve()))
  }
}
