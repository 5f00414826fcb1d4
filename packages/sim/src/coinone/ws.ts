import { randomUUID } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import type { Socket } from 'node:net'
import type { Clock } from '@bb/utils'
import { type WebSocket, WebSocketServer } from 'ws'
import type { Faults } from '../faults.js'
import type { MarketModel } from '../market/model.js'
import type { TradeRecord } from '../market/summary.js'
import { terminateAll } from '../util/sockets.js'
import { SocketDelivery } from '../ws/delivery.js'
import { dataId, priceText, qtyText } from './catalog.js'
import {
  type ChartInterval,
  type CoMarket,
  candleNext,
  candleStart,
  rangeOf,
  tickerOf,
  WS_CHART_INTERVALS,
} from './views.js'

const CHANNELS = new Set(['ORDERBOOK', 'TICKER', 'TRADE', 'CHART'])
/** The private endpoint's channels (COINONE.md §6). */
const PRIVATE_CHANNELS = new Set(['MYORDER', 'MYASSET'])
/** The private endpoint's path. */
export const COINONE_PRIVATE_PATH = '/v1/private'
/** Levels a side in every WS book frame. */
const WS_DEPTH = 16

/** SHORT keys of the data fields (COINONE.md §5.3). */
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
  interval: 'iv',
  candle_timestamp: 'ct',
}

/**
 * SHORT keys of the private MYORDER/MYASSET data (COINONE.md §6). `type` is `t` and `timestamp`
 * `ts` there; `assets` has no documented short key and stays `assets` (unverified).
 */
const PRIVATE_SHORT: Record<string, string> = {
  response_type: 'r',
  channel: 'c',
  data: 'd',
  quote_currency: 'qc',
  target_currency: 'tc',
  order_id: 'oi',
  type: 't',
  status: 'st',
  side: 's',
  order_price: 'op',
  order_qty: 'oq',
  order_amount: 'oa',
  trade_id: 'ti',
  is_maker: 'im',
  executed_price: 'ep',
  executed_qty: 'eq',
  executed_fee: 'ef',
  remain_qty: 'rq',
  remain_amount: 'ra',
  user_order_id: 'ui',
  prevented_qty: 'pq',
  executed_timestamp: 'et',
  order_timestamp: 'ot',
  timestamp: 'ts',
  currency: 'c',
  available: 'a',
  limit: 'l',
}

function shorten(value: unknown, keys: Record<string, string> = SHORT): unknown {
  if (Array.isArray(value)) return value.map((v) => shorten(v, keys))
  if (value === null || typeof value !== 'object') return value
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(value)) out[keys[k] ?? k] = shorten(v, keys)
  return out
}

/** Who a private connection belongs to (the authenticated API key). */
export interface CoinoneStreamAccount {
  readonly accessKey: string
}

interface Sub {
  /** The pair; undefined for MYASSET and an all-pairs MYORDER. */
  readonly cm: CoMarket | undefined
  readonly channel: string
  readonly interval: ChartInterval | undefined
  readonly short: boolean
}

interface Conn {
  readonly ws: WebSocket
  /** key `CHANNEL:TARGET[:interval]` → subscription. */
  readonly subs: Map<string, Sub>
  readonly ip: string
  /** The account of a private connection (`/v1/private`); undefined on the public one. */
  readonly account: CoinoneStreamAccount | undefined
  readonly openedAt: number
  /** Wall time of the last request (PING included); undefined before the first. */
  lastRequest: number | undefined
  /** The frame faults of this connection (silence, reorder, corruption, delay). */
  readonly delivery: SocketDelivery<string>
}

/** Options of the Coinone stream hub. */
export interface CoinoneHubOptions {
  readonly model: MarketModel
  readonly markets: readonly CoMarket[]
  readonly wall: Clock
  readonly faults: Faults
  /** Connections per IP; the next one is closed with 4290. */
  readonly maxConnections: number
  /** A socket that sent no request this long after opening is dropped (1006). */
  readonly firstRequestTimeoutMs: number
  /** A socket with no request (PING included) for this long is dropped (1006). */
  readonly idleTimeoutMs: number
  /**
   * Verifies the private endpoint's upgrade headers (`X-COINONE-PAYLOAD`, `X-COINONE-SIGNATURE`);
   * returns the account, or throws when the auth fails (the socket is then closed with 4280).
   * Without it the private endpoint is not served.
   */
  readonly authenticate?: (payload: string | undefined, signature: string | undefined) => CoinoneStreamAccount
}

/**
 * Coinone's WebSockets. Public (`/`): `CONNECTED` on open, one-topic `SUBSCRIBE` → `SUBSCRIBED`
 * (long keys, the topic echoed as sent), `UNSUBSCRIBE`, `PING` → `PONG`, `ERROR` 160010–160012,
 * `TICKER`/`TRADE`/`ORDERBOOK`/`CHART` data in the DEFAULT or SHORT format, full 16-level book
 * snapshots (asks worst-first), the 20-connections-per-IP rule and the idle closes. Private
 * (`/v1/private`): auth on the upgrade (close 4280 when it fails), 20 connections per account
 * (4290), `MYORDER` (a topic array of pairs, or none for every pair) and `MYASSET`, with the
 * same control frames, idle rules, faults and delivery code.
 */
export class CoinoneHub {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 1 << 20 })
  private readonly conns = new Set<Conn>()
  private readonly byTarget: Map<string, CoMarket>
  private readonly timers = new Set<unknown>()

  constructor(private readonly o: CoinoneHubOptions) {
    this.byTarget = new Map(o.markets.map((cm) => [cm.pair.target, cm]))
  }

  /** Number of open connections. */
  get connections(): number {
    return this.conns.size
  }

  /** Handles an HTTP upgrade on `/` or `/v1/private`; false for any other path. */
  handleUpgrade(req: IncomingMessage, socket: Socket, head: Buffer): boolean {
    const path = new URL(req.url ?? '/', 'http://sim.local').pathname.replace(/(.)\/$/, '$1')
    const isPrivate = path === COINONE_PRIVATE_PATH && this.o.authenticate !== undefined
    if (path !== '/' && path !== '' && !isPrivate) return false
    const ip = req.socket.remoteAddress ?? 'unknown'
    let account: CoinoneStreamAccount | undefined
    let authFailed = false
    if (isPrivate) {
      const header = (name: string) => {
        const v = req.headers[name]
        return typeof v === 'string' ? v : undefined
      }
      try {
        account = this.o.authenticate?.(header('x-coinone-payload'), header('x-coinone-signature'))
      } catch {
        authFailed = true
      }
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      // A failed auth: the upgrade completes, then the server closes with 4280 (COINONE.md §6).
      if (authFailed || (isPrivate && account === undefined)) {
        ws.close(4280, 'Authentication failed')
        return
      }
      // 20 sockets per IP (public) or per account (private); the next one is closed with 4290.
      let n = 0
      for (const c of this.conns)
        if (account ? c.account?.accessKey === account.accessKey : !c.account && c.ip === ip) n++
      if (n >= this.o.maxConnections) {
        ws.close(4290, 'Too many connections')
        return
      }
      this.attach(ws, ip, account)
    })
    return true
  }

  private attach(ws: WebSocket, ip: string, account: CoinoneStreamAccount | undefined): void {
    const conn: Conn = {
      ws,
      subs: new Map(),
      ip,
      account,
      openedAt: this.o.wall.now(),
      lastRequest: undefined,
      delivery: new SocketDelivery<string>(
        { faults: this.o.faults, clock: this.o.wall, timers: this.timers },
        { isOpen: () => ws.readyState === 1, write: (text) => ws.send(text) },
      ),
    }
    this.conns.add(conn)
    ws.on('message', (data, isBinary) => {
      conn.lastRequest = this.o.wall.now()
      this.request(conn, isBinary ? '' : String(data))
    })
    ws.on('close', () => {
      this.conns.delete(conn)
      conn.delivery.discard()
    })
    ws.on('error', () => this.conns.delete(conn))
    this.send(conn, { response_type: 'CONNECTED', data: { session_id: randomUUID() } }, 'control')
  }

  /** Drops every connection without a close frame (clients see 1006); returns how many. */
  dropAll(): number {
    return terminateAll(this.conns)
  }

  private send(conn: Conn, body: unknown, type: string): void {
    this.deliver(conn, JSON.stringify(body), type)
  }

  /** Sends one text frame through the faults: silence, late trades, corruption, delay. */
  private deliver(conn: Conn, text: string, type: string): void {
    conn.delivery.send(text, type)
  }

  private error(conn: Conn, code: number, message: string, field?: string): void {
    this.send(
      conn,
      { response_type: 'ERROR', error_code: code, message, ...(field ? { field } : {}) },
      'error',
    )
  }

  private request(conn: Conn, text: string): void {
    let msg: unknown
    try {
      msg = JSON.parse(text)
    } catch {
      this.error(conn, 160010, 'Invalid Request')
      return
    }
    if (msg === null || typeof msg !== 'object' || Array.isArray(msg)) {
      this.error(conn, 160010, 'Invalid Request')
      return
    }
    const m = msg as Record<string, unknown>
    const type = m.request_type
    if (type === 'PING') {
      this.send(conn, { response_type: 'PONG' }, 'control')
      return
    }
    if (type !== 'SUBSCRIBE' && type !== 'UNSUBSCRIBE') {
      this.error(conn, 160011, 'Invalid Type', 'request_type')
      return
    }
    const channels = conn.account ? PRIVATE_CHANNELS : CHANNELS
    if (typeof m.channel !== 'string' || !channels.has(m.channel)) {
      this.error(conn, 160011, 'Invalid Type', 'channel')
      return
    }
    const format = m.format ?? 'DEFAULT'
    if (format !== 'DEFAULT' && format !== 'SHORT') {
      this.error(conn, 160011, 'Invalid Type', 'format')
      return
    }
    if (conn.account) {
      this.privateRequest(conn, type, m.channel, m.topic, format === 'SHORT')
      return
    }
    const topic = m.topic
    if (topic === null || typeof topic !== 'object' || Array.isArray(topic)) {
      this.error(conn, 160010, 'Invalid Request')
      return
    }
    const t = topic as Record<string, unknown>
    if (typeof t.quote_currency !== 'string' || typeof t.target_currency !== 'string') {
      this.error(conn, 160010, 'Invalid Request')
      return
    }
    const channel = m.channel
    let interval: ChartInterval | undefined
    if (channel === 'CHART') {
      if (typeof t.interval !== 'string' || !WS_CHART_INTERVALS.includes(t.interval)) {
        this.error(conn, 160012, 'Invalid Topic')
        return
      }
      interval = t.interval as ChartInterval
    }
    const ack = { response_type: `${type}D`, channel, data: topic }
    this.send(conn, ack, 'control')
    const cm =
      t.quote_currency.toUpperCase() === 'KRW'
        ? this.byTarget.get(t.target_currency.toUpperCase())
        : undefined
    // An unknown pair is acked first, then refused (as on the wire).
    if (!cm) {
      this.error(conn, 160012, 'Invalid Topic')
      return
    }
    const key = `${channel}:${cm.pair.target}${interval ? `:${interval}` : ''}`
    if (type === 'UNSUBSCRIBE') {
      conn.subs.delete(key)
      return
    }
    const sub: Sub = { cm, channel, interval, short: format === 'SHORT' }
    conn.subs.set(key, sub)
    // The current book (and ticker) once on subscribe; a repeat subscribe repeats it with the same id.
    if (channel === 'ORDERBOOK') this.deliverTo(conn, sub, this.bookData(cm), 'orderbook')
    if (channel === 'TICKER') this.deliverTo(conn, sub, tickerOf(this.o.model, cm, true, true), 'ticker')
  }

  /**
   * A private SUBSCRIBE/UNSUBSCRIBE. `MYORDER`: `topic` is an array of pairs, acked with the array
   * echoed in `data`; no topic means every pair (unverified: the docs say "all or specific
   * pairs"); an unknown pair is acked, then refused with 160012. `MYASSET` takes no topic and is
   * acked without `data`. Subscriptions add, as on the public endpoint.
   */
  private privateRequest(conn: Conn, type: string, channel: string, topic: unknown, short: boolean): void {
    if (channel === 'MYASSET') {
      this.send(conn, { response_type: `${type}D`, channel }, 'control')
      if (type === 'UNSUBSCRIBE') conn.subs.delete('MYASSET')
      else conn.subs.set('MYASSET', { cm: undefined, channel, interval: undefined, short })
      return
    }
    if (topic !== undefined && !Array.isArray(topic)) {
      this.error(conn, 160010, 'Invalid Request')
      return
    }
    const list = (topic ?? []) as unknown[]
    for (const t of list) {
      const pair = t as Record<string, unknown> | null
      if (
        pair === null ||
        typeof pair !== 'object' ||
        typeof pair.quote_currency !== 'string' ||
        typeof pair.target_currency !== 'string'
      ) {
        this.error(conn, 160010, 'Invalid Request')
        return
      }
    }
    this.send(
      conn,
      { response_type: `${type}D`, channel, ...(topic === undefined ? {} : { data: topic }) },
      'control',
    )
    const keys: { key: string; cm: CoMarket | undefined }[] = []
    let unknown = false
    if (topic === undefined) keys.push({ key: 'MYORDER:*', cm: undefined })
    for (const t of list as Record<string, string>[]) {
      const cm =
        t.quote_currency?.toUpperCase() === 'KRW'
          ? this.byTarget.get(String(t.target_currency).toUpperCase())
          : undefined
      if (cm) keys.push({ key: `MYORDER:${cm.pair.target}`, cm })
      else unknown = true
    }
    for (const { key, cm } of keys) {
      if (type === 'UNSUBSCRIBE') conn.subs.delete(key)
      else conn.subs.set(key, { cm, channel, interval: undefined, short })
    }
    if (unknown) this.error(conn, 160012, 'Invalid Topic')
  }

  /**
   * Sends a private data frame to every connection of `accessKey` subscribed to it: `MYORDER` of
   * the pair `target` (or of every pair), `MYASSET`; once per connection, through the faults.
   */
  publishPrivate(
    accessKey: string,
    channel: 'MYORDER' | 'MYASSET',
    target: string | undefined,
    data: unknown,
  ): void {
    const body = { response_type: 'DATA', channel, data }
    let long: string | undefined
    let short: string | undefined
    for (const c of this.conns) {
      if (c.account?.accessKey !== accessKey || c.ws.readyState !== 1) continue
      const sub =
        channel === 'MYASSET'
          ? c.subs.get('MYASSET')
          : (c.subs.get(`MYORDER:${target}`) ?? c.subs.get('MYORDER:*'))
      if (!sub) continue
      if (sub.short) short ??= JSON.stringify(shorten(body, PRIVATE_SHORT))
      else long ??= JSON.stringify(body)
      this.deliver(c, (sub.short ? short : long) as string, channel === 'MYORDER' ? 'myorder' : 'myasset')
    }
  }

  private frame(sub: Sub, data: unknown): string {
    const body = { response_type: 'DATA', channel: sub.channel, data }
    return JSON.stringify(sub.short ? shorten(body) : body)
  }

  private deliverTo(conn: Conn, sub: Sub, data: unknown, type: string): void {
    this.deliver(conn, this.frame(sub, data), type)
  }

  private publish(
    channel: string,
    cm: CoMarket,
    interval: ChartInterval | undefined,
    data: () => unknown,
    type: string,
  ): void {
    const key = `${channel}:${cm.pair.target}${interval ? `:${interval}` : ''}`
    let payload: unknown
    let long: string | undefined
    let short: string | undefined
    for (const c of this.conns) {
      const sub = c.subs.get(key)
      if (!sub || c.ws.readyState !== 1) continue
      payload ??= data()
      if (sub.short) short ??= this.frame(sub, payload)
      else long ??= this.frame(sub, payload)
      const text = (sub.short ? short : long) as string
      this.deliver(c, text, type)
    }
  }

  private bookData(cm: CoMarket) {
    const b = this.o.model.book(cm.m)
    const row = ([p, q]: readonly [number, number]) => ({ price: priceText(p), qty: qtyText(q) })
    return {
      quote_currency: cm.pair.quote,
      target_currency: cm.pair.target,
      timestamp: b.timestamp,
      id: dataId(this.o.model.lastTrade(cm.m), this.o.model.processedTime),
      // WS asks are worst-first: the best ask is the last element
      asks: b.asks.slice(0, WS_DEPTH).map(row).reverse(),
      bids: b.bids.slice(0, WS_DEPTH).map(row),
    }
  }

  /** A trade entered the tape: TRADE, then the book and the ticker it moved, then the candles. */
  onTrade(cm: CoMarket, t: TradeRecord): void {
    const id = dataId(t, t.ts)
    this.publish(
      'TRADE',
      cm,
      undefined,
      () => ({
        quote_currency: cm.pair.quote,
        target_currency: cm.pair.target,
        id,
        timestamp: t.ts,
        price: priceText(t.price),
        qty: qtyText(t.volume),
        is_seller_maker: !t.bid,
      }),
      'trade',
    )
    this.publish('ORDERBOOK', cm, undefined, () => this.bookData(cm), 'orderbook')
    this.publish('TICKER', cm, undefined, () => tickerOf(this.o.model, cm, true, true), 'ticker')
    for (const i of WS_CHART_INTERVALS) {
      const interval = i as ChartInterval
      this.publish('CHART', cm, interval, () => this.chartData(cm, interval, t, id), 'chart')
    }
  }

  private chartData(cm: CoMarket, i: ChartInterval, t: TradeRecord, id: string) {
    const start = candleStart(i, t.ts)
    const s = rangeOf(this.o.model, cm.m, start, Math.min(candleNext(i, start), t.ts + 1))
    const price = s?.close ?? t.price
    return {
      quote_currency: cm.pair.quote,
      target_currency: cm.pair.target,
      interval: i,
      timestamp: t.ts,
      id,
      candle_timestamp: start,
      high: priceText(s?.high ?? price),
      low: priceText(s?.low ?? price),
      first: priceText(s?.open ?? price),
      last: priceText(price),
      quote_volume: qtyText(s?.turnover ?? 0),
      target_volume: qtyText(s?.volume ?? 0),
    }
  }

  /** Idle checks on the wall clock (called by the sim's driver). */
  step(): void {
    const now = this.o.wall.now()
    for (const c of [...this.conns]) {
      const idle =
        c.lastRequest === undefined
          ? now - c.openedAt > this.o.firstRequestTimeoutMs
          : now - c.lastRequest > this.o.idleTimeoutMs
      if (!idle) continue
      c.ws.terminate()
      this.conns.delete(c)
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
