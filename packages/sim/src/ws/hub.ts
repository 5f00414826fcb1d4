import { randomUUID } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import { type Clock, every, systemClock } from '@bb/utils'
import { type WebSocket, WebSocketServer } from 'ws'
import type { Account, Engine, Fill, Order } from '../exchange/engine.js'
import { decText } from '../exchange/engine.js'
import { verifyJwt } from '../exchange/jwt.js'
import type { Faults } from '../faults.js'
import type { RateLimiter } from '../limits.js'
import { candleSummary, intervalStart, latestCandle } from '../market/candles.js'
import type { BookLevel, MarketModel, MarketState } from '../market/model.js'
import type { TradeRecord } from '../market/summary.js'
import { supportedLevels, tickFor } from '../market/ticks.js'
import {
  arr,
  type CandleUnit,
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

/** WebSocket output format. */
export type WsFormat = 'DEFAULT' | 'SIMPLE' | 'JSON_LIST' | 'SIMPLE_LIST'

const FORMATS: readonly WsFormat[] = ['DEFAULT', 'SIMPLE', 'JSON_LIST', 'SIMPLE_LIST']

/** Candle type → unit. */
export const CANDLE_TYPES: Readonly<Record<string, CandleUnit>> = {
  'candle.1s': { kind: 'seconds' },
  'candle.1m': { kind: 'minutes', minutes: 1 },
  'candle.3m': { kind: 'minutes', minutes: 3 },
  'candle.5m': { kind: 'minutes', minutes: 5 },
  'candle.10m': { kind: 'minutes', minutes: 10 },
  'candle.15m': { kind: 'minutes', minutes: 15 },
  'candle.30m': { kind: 'minutes', minutes: 30 },
  'candle.60m': { kind: 'minutes', minutes: 60 },
  'candle.240m': { kind: 'minutes', minutes: 240 },
}

const PUBLIC_TYPES = new Set(['ticker', 'trade', 'orderbook', ...Object.keys(CANDLE_TYPES)])
const PRIVATE_TYPES = new Set(['myOrder', 'myAsset'])

const MESSAGES: Record<string, string> = {
  INVALID_AUTH: '인증 정보가 올바르지 않습니다.',
  WRONG_FORMAT: 'Format 이 맞지 않습니다.',
  NO_TICKET: '티켓이 존재하지 않거나, 유효하지 않습니다.',
  NO_TYPE: 'type 필드가 존재하지 않습니다.',
  NO_CODES: 'codes 필드가 존재하지 않습니다.',
  INVALID_PARAM: '요청 파라미터가 올바르지 않습니다.',
}

interface CodeEntry {
  readonly code: string
  readonly requested: string
  readonly depth: number
}

interface Sub {
  readonly type: string
  readonly codes: readonly CodeEntry[] | undefined // undefined = all (myOrder)
  readonly level: number | undefined
  readonly snapshot: boolean
  readonly realtime: boolean
}

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
  /** Frames waiting out `delayWs`, in send order. */
  delayed: { due: number; frame: Buffer }[]
  /** A trade frame held back by `reorderTrades`, sent after the next one. */
  heldTrade?: { frame: Buffer; timer: unknown } | undefined
}

interface Entry {
  readonly depth: number
  readonly level: number
}

type ParseResult =
  | { readonly error: string; readonly message?: string }
  | {
      readonly ticket: string
      readonly format: WsFormat | undefined
      readonly list: boolean
      readonly subs: Sub[] | undefined
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

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function flag(o: Record<string, unknown>, snake: string, camel: string): boolean | 'bad' {
  const v = o[snake] ?? o[camel]
  if (v === undefined || v === null) return false
  if (typeof v === 'boolean') return v
  if (v === 'true') return true
  if (v === 'false') return false
  return 'bad'
}

/** The WebSocket side: parses requests, keeps subscriptions and fans out frames. */
export class WsHub {
  private readonly wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    maxPayload: 64 * 1024,
  })
  private readonly conns = new Set<Conn>()
  /** type → code → conn → entry */
  private readonly index = new Map<string, Map<string, Map<Conn, Entry>>>()
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
        delayed: [],
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
    let value: unknown
    try {
      value = JSON.parse(text)
    } catch {
      return { error: 'WRONG_FORMAT' }
    }
    if (!Array.isArray(value) || value.length === 0) return { error: 'WRONG_FORMAT' }
    let ticket: string | undefined
    let ticketSeen = false
    let format: WsFormat | undefined
    let list = false
    const subs: Sub[] = []
    let typeSeen = false
    for (const item of value) {
      if (!isObject(item)) return { error: 'WRONG_FORMAT' }
      if ('ticket' in item) {
        ticketSeen = true
        if (typeof item.ticket === 'string' && item.ticket.trim() !== '') ticket = item.ticket
        else if (typeof item.ticket === 'number') ticket = String(item.ticket)
        continue
      }
      if ('format' in item && !('type' in item)) {
        const f = typeof item.format === 'string' ? item.format.toUpperCase() : ''
        if (!FORMATS.includes(f as WsFormat))
          return { error: 'INVALID_PARAM', message: `${String(item.format)} 은 지원하지 않는 포맷입니다.` }
        format = f as WsFormat
        continue
      }
      if ('method' in item && !('type' in item)) {
        if (item.method !== 'LIST_SUBSCRIPTIONS')
          return { error: 'INVALID_PARAM', message: `${String(item.method)} 은 지원하지 않는 메소드입니다.` }
        list = true
        continue
      }
      if (!('type' in item)) return { error: 'NO_TYPE' }
      typeSeen = true
      const type = item.type
      if (typeof type !== 'string' || type === '') return { error: 'NO_TYPE' }
      if (!PUBLIC_TYPES.has(type) && !PRIVATE_TYPES.has(type))
        return { error: 'INVALID_PARAM', message: `${type} 은 지원하지 않는 타입입니다.` }
      if (PRIVATE_TYPES.has(type) && !conn.account) return { error: 'INVALID_AUTH' }
      const snapshotOnly = flag(item, 'is_only_snapshot', 'isOnlySnapshot')
      const realtimeOnly = flag(item, 'is_only_realtime', 'isOnlyRealtime')
      if (snapshotOnly === 'bad' || realtimeOnly === 'bad')
        return {
          error: 'INVALID_PARAM',
          message: 'is_only_snapshot, is_only_realtime 값이 올바르지 않습니다.',
        }
      let level: number | undefined
      if (item.level !== undefined && item.level !== null) {
        const lv =
          typeof item.level === 'number'
            ? item.level
            : typeof item.level === 'string'
              ? Number(item.level)
              : Number.NaN
        if (!Number.isFinite(lv) || lv < 0)
          return { error: 'INVALID_PARAM', message: 'level 값이 올바르지 않습니다.' }
        level = lv
      }
      let codes: CodeEntry[] | undefined
      if (type === 'myAsset') {
        if ('codes' in item) return { error: 'WRONG_FORMAT' }
      } else if (type === 'myOrder') {
        if (item.codes !== undefined && item.codes !== null) {
          if (!Array.isArray(item.codes) || item.codes.some((c) => typeof c !== 'string'))
            return { error: 'WRONG_FORMAT' }
          if (item.codes.length > 0)
            codes = (item.codes as string[]).map((c) => ({ code: c, requested: c, depth: 0 }))
        }
      } else {
        if (item.codes === undefined || item.codes === null) return { error: 'NO_CODES' }
        if (!Array.isArray(item.codes) || item.codes.some((c) => typeof c !== 'string'))
          return { error: 'WRONG_FORMAT' }
        if (item.codes.length === 0) return { error: 'INVALID_PARAM', message: 'codes 필드가 비어 있습니다.' }
        codes = (item.codes as string[]).map((requested) => {
          if (type !== 'orderbook') return { code: requested, requested, depth: 0 }
          const m = /^(.*)\.(\d+)$/.exec(requested)
          if (!m) return { code: requested, requested, depth: 30 }
          const n = Number(m[2])
          return {
            code: m[1] as string,
            requested,
            depth: n === 1 || n === 5 || n === 15 || n === 30 ? n : 30,
          }
        })
      }
      const isPublic = PUBLIC_TYPES.has(type)
      subs.push({
        type,
        codes,
        level,
        snapshot: isPublic && realtimeOnly !== true,
        realtime: !isPublic || snapshotOnly !== true,
      })
    }
    if (!ticketSeen || ticket === undefined) return { error: 'NO_TICKET' }
    if (!typeSeen && !list) return { error: 'NO_TYPE' }
    return { ticket, format, list, subs: typeSeen ? subs : undefined }
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
    for (const s of conn.subs) {
      if (!s.realtime) continue
      let byCode = this.index.get(s.type)
      if (!byCode) {
        byCode = new Map()
        this.index.set(s.type, byCode)
      }
      for (const c of s.codes ?? [{ code: '*', requested: '*', depth: 0 }]) {
        let set = byCode.get(c.code)
        if (!set) {
          set = new Map()
          byCode.set(c.code, set)
        }
        set.set(conn, { depth: c.depth, level: s.level ?? 0 })
      }
    }
  }

  private unindex(conn: Conn): void {
    for (const s of conn.subs) {
      const byCode = this.index.get(s.type)
      if (!byCode) continue
      for (const c of s.codes ?? [{ code: '*', requested: '*', depth: 0 }]) byCode.get(c.code)?.delete(conn)
    }
  }

  private subscribers(type: string, code: string): Map<Conn, Entry> | undefined {
    const set = this.index.get(type)?.get(code)
    return set && set.size > 0 ? set : undefined
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
    if (conn.ws.readyState !== conn.ws.OPEN) return
    const f = this.o.faults
    if (!force && f.silent()) {
      this.o.stats.faults.framesSilenced++
      return
    }
    if (type === 'trade' && !force) {
      const held = conn.heldTrade
      if (held) {
        conn.heldTrade = undefined
        this.clock.clearTimeout(held.timer)
        this.timers.delete(held.timer)
        this.deliver(conn, frame, type, true)
        this.deliver(conn, held.frame, type, true)
        return
      }
      if (f.takeReorder()) {
        const timer = this.clock.setTimeout(() => {
          this.timers.delete(timer)
          const h = conn.heldTrade
          conn.heldTrade = undefined
          if (h) this.deliver(conn, h.frame, type, true)
        }, 500)
        this.timers.add(timer)
        conn.heldTrade = { frame, timer }
        return
      }
    }
    const out = f.state.corrupt ? f.corrupt(frame) : frame
    const stats = this.o.stats.ws
    stats.messagesSent++
    stats.messagesByType[type] = (stats.messagesByType[type] ?? 0) + 1
    const delay = f.state.wsDelayMs
    if (delay > 0 || conn.delayed.length > 0) {
      // Order kept across delay changes: a frame never overtakes one delayed before it.
      const now = this.clock.now()
      const last = conn.delayed.at(-1)?.due ?? 0
      conn.delayed.push({ due: Math.max(now + delay, last), frame: out })
      if (conn.delayed.length === 1) this.armDelayed(conn)
    } else this.enqueue(conn, out)
  }

  /** One timer per connection drains its delayed frames in order. */
  private armDelayed(conn: Conn): void {
    const head = conn.delayed[0]
    if (!head) return
    const t = this.clock.setTimeout(
      () => {
        this.timers.delete(t)
        const now = this.clock.now()
        while (conn.delayed.length > 0 && conn.delayed[0]!.due <= now)
          this.enqueue(conn, conn.delayed.shift()!.frame)
        this.armDelayed(conn)
      },
      Math.max(0, head.due - this.clock.now()),
    )
    this.timers.add(t)
  }

  /**
   * Queues a binary frame; all frames queued in one turn of the event loop go out in a single
   * socket write (the framing is plain RFC 6455: FIN + binary opcode, unmasked, no extensions).
   */
  private enqueue(conn: Conn, payload: Buffer): void {
    if (conn.ws.readyState !== conn.ws.OPEN) return
    const n = payload.length
    const header = n < 126 ? 2 : n < 65536 ? 4 : 10
    const frame = Buffer.allocUnsafe(header + n)
    frame[0] = 0x82
    if (n < 126) frame[1] = n
    else if (n < 65536) {
      frame[1] = 126
      frame.writeUInt16BE(n, 2)
    } else {
      frame[1] = 127
      frame.writeUInt32BE(0, 2)
      frame.writeUInt32BE(n, 6)
    }
    payload.copy(frame, header)
    conn.out.push(frame)
    conn.outBytes += frame.length
    if (conn.out.length === 1) {
      this.flushQueue.push(conn)
      if (this.flushQueue.length === 1) setImmediate(this.flushAll)
    }
  }

  private readonly flushQueue: Conn[] = []

  private readonly flushAll = (): void => {
    const list = this.flushQueue.splice(0)
    for (const conn of list) {
      const frames = conn.out
      conn.out = []
      const bytes = conn.outBytes
      conn.outBytes = 0
      const socket = (conn.ws as unknown as { _socket?: Duplex })._socket
      if (conn.ws.readyState !== conn.ws.OPEN || !socket || socket.destroyed) continue
      socket.write(frames.length === 1 ? (frames[0] as Buffer) : Buffer.concat(frames, bytes))
    }
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
        // Quote updates between trades, in the same millisecond (as a busy real book has them):
        // the top sizes change, the timestamp does not.
        for (let k = 1; k <= (this.o.bookUpdatesPerTrade ?? 0); k++) {
          const top = (l: BookLevel | undefined): BookLevel | undefined =>
            l && l[1] > 0 ? [l[0], Math.round(l[1] * (1 + 0.07 * k) * 1e8) / 1e8] : l
          const varied = {
            asks: shaped.asks.map((l, i) => (i === 0 ? (top(l) as BookLevel) : l)),
            bids: shaped.bids.map((l, i) => (i === 0 ? (top(l) as BookLevel) : l)),
          }
          this.fanOut(conns, wsOrderbook(code, book, varied, level, 'REALTIME'), 'orderbook')
        }
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
    const byCode = this.index.get('myOrder')
    if (!byCode) return
    for (const key of [order.market, '*']) {
      for (const conn of byCode.get(key)?.keys() ?? []) if (conn.account === account) targets.push(conn)
    }
    if (targets.length === 0) return
    const now = this.o.model.processedTime
    const avg = order.executedVolume.isZero()
      ? '0'
      : decText(order.executedFunds.div(order.executedVolume).toDecimalPlaces(8))
    const isTrade = state === 'trade' && fill
    const fields: Field[] = [
      ['type', 'ty', '"myOrder"'],
      ['code', 'cd', str(order.market)],
      ['uuid', 'uid', str(order.uuid)],
      ['ask_bid', 'ab', order.side === 'bid' ? '"BID"' : '"ASK"'],
      ['order_type', 'ot', str(order.ordType)],
      ['state', 's', str(state)],
      ['trade_uuid', 'tuid', isTrade ? str(fill.uuid) : 'null'],
      ['price', 'p', isTrade ? decText(fill.price) : order.price ? decText(order.price) : 'null'],
      ['avg_price', 'ap', avg],
      ['volume', 'v', isTrade ? decText(fill.volume) : order.volume ? decText(order.volume) : 'null'],
      ['remaining_volume', 'rv', order.remaining ? decText(order.remaining) : 'null'],
      ['executed_volume', 'ev', decText(order.executedVolume)],
      ['trades_count', 'tc', num(order.tradesCount)],
      ['reserved_fee', 'rsf', decText(order.reservedFee)],
      ['remaining_fee', 'rmf', decText(order.remainingFee)],
      ['paid_fee', 'pf', decText(order.paidFee)],
      ['locked', 'l', decText(order.locked)],
      ['executed_funds', 'ef', decText(order.executedFunds)],
      ['time_in_force', 'tif', order.timeInForce ? str(order.timeInForce) : 'null'],
      ['trade_fee', 'tf', isTrade ? decText(fill.fee) : 'null'],
      ['is_maker', 'im', isTrade ? (fill.isMaker ? 'true' : 'false') : 'null'],
      ['identifier', 'id', order.identifier ? str(order.identifier) : 'null'],
      ['smp_type', 'smpt', order.smpType ? str(order.smpType) : 'null'],
      ['prevented_volume', 'pv', '0'],
      ['prevented_locked', 'pl', '0'],
      ['trade_timestamp', 'ttms', isTrade ? num(fill.ts) : 'null'],
      ['order_timestamp', 'otms', num(order.createdAt)],
      ['timestamp', 'tms', num(now)],
      ['stream_type', 'st', '"REALTIME"'],
    ]
    this.fanOut(targets, fields, 'myOrder')
  }

  /** myAsset event. */
  onAssets(account: Account, currencies: string[]): void {
    if (this.privateConns.size === 0) return
    const targets = [...(this.index.get('myAsset')?.get('*')?.keys() ?? [])].filter(
      (c) => c.account === account,
    )
    if (targets.length === 0) return
    const now = this.o.model.processedTime
    const unique = [...new Set(currencies)]
    const assets = (simple: boolean): Raw =>
      arr(
        unique.map((cur) => {
          const b = account.balances.get(cur)
          const bal = b ? decText(b.balance) : '0'
          const locked = b ? decText(b.locked) : '0'
          return simple
            ? `{"cu":${str(cur)},"b":${bal},"l":${locked}}`
            : `{"currency":${str(cur)},"balance":${bal},"locked":${locked}}`
        }),
      )
    this.fanOut(
      targets,
      [
        ['type', 'ty', '"myAsset"'],
        ['asset_uuid', 'astuid', str(randomUUID())],
        ['assets', 'ast', assets],
        ['asset_timestamp', 'asttms', num(now)],
        ['timestamp', 'tms', num(now)],
        ['stream_type', 'st', '"REALTIME"'],
      ],
      'myAsset',
    )
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
