import type { IncomingMessage } from 'node:http'
import type { Socket } from 'node:net'
import type { Clock } from '@bb/utils'
import { type WebSocket, WebSocketServer } from 'ws'
import type { Faults } from '../faults.js'
import { pingRound, terminateAll } from '../util/sockets.js'
import { SocketDelivery } from '../ws/delivery.js'
import { BinanceError, toJson } from './format.js'
import type { BinancePrivate } from './private.js'

/** Options of the WS API endpoint. */
export interface WsApiOptions {
  /** The signed side whose HMAC/timestamp check the subscribe request reuses. */
  readonly priv: BinancePrivate
  /** Fault injection shared with the other endpoints (`sim.faults`). */
  readonly faults: Faults
  /** Wall clock for ping timeouts. */
  readonly wall: Clock
  /** The sim's exchange time (`time` method, timestamp checks). */
  readonly now: () => number
  /** Server ping period on the sim clock. */
  readonly pingIntervalMs: number
}

interface ApiConn {
  readonly ws: WebSocket
  /** subscriptionId → apiKey of the account subscribed. */
  readonly subs: Map<number, string>
  lastPing: number
  pingWall: number
  pongPending: boolean
  /** The frame faults of this connection's events (silence, corruption, delay). */
  readonly delivery: SocketDelivery<string>
}

/** Request weight of each WS API method (REQUEST_WEIGHT limit, shown in `rateLimits`). */
const WEIGHTS: Readonly<Record<string, number>> = {
  ping: 1,
  time: 1,
  'userDataStream.subscribe.signature': 2,
  'userDataStream.unsubscribe': 2,
}

/**
 * Binance's WebSocket API (`/ws-api/v3`): JSON requests `{id, method, params}` answered with
 * `{id, status: 200, result, rateLimits}` or `{id, status, error: {code, msg}}`. Methods: `ping`,
 * `time`, `userDataStream.subscribe.signature` (HMAC-SHA256 over the params sorted by name, checked
 * like the REST signed side) and `userDataStream.unsubscribe`. Subscriptions receive the account's
 * user data events (see {@link BinanceWsApi.publish}); an ended one gets `eventStreamTerminated`.
 */
export class BinanceWsApi {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 1 << 20 })
  private readonly conns = new Set<ApiConn>()
  private nextSubscription = 0
  private readonly timers = new Set<unknown>()
  private used = 0
  private usedMinute = -1

  constructor(private readonly o: WsApiOptions) {}

  /** Handles an HTTP upgrade; false when the path is not `/ws-api/v3`. */
  handleUpgrade(req: IncomingMessage, socket: Socket, head: Buffer): boolean {
    const url = new URL(req.url ?? '/', 'http://sim.local')
    if (url.pathname !== '/ws-api/v3' && url.pathname !== '/ws-api/v3/') return false
    this.wss.handleUpgrade(req, socket, head, (ws) => this.attach(ws))
    return true
  }

  private attach(ws: WebSocket): void {
    const conn: ApiConn = {
      ws,
      subs: new Map(),
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
      if (this.o.faults.silent()) return
      this.request(conn, isBinary ? '' : String(data))
    })
    ws.on('pong', () => {
      conn.pongPending = false
    })
    ws.on('close', () => {
      this.conns.delete(conn)
      conn.delivery.discard()
    })
    ws.on('error', () => this.conns.delete(conn))
  }

  private rateLimits(weight: number): unknown[] {
    const minute = Math.floor(this.o.wall.now() / 60_000)
    if (minute !== this.usedMinute) {
      this.usedMinute = minute
      this.used = 0
    }
    this.used += weight
    return [
      { rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: 6000, count: this.used },
    ]
  }

  private send(conn: ApiConn, body: unknown): void {
    if (conn.ws.readyState === 1) conn.ws.send(toJson(body))
  }

  /**
   * Sends a user data event of an account to every subscription of it, as
   * `{"subscriptionId":N,"event":{…}}`, through the faults as the stream frames are: nothing while
   * silenced (counted), corrupted frames, `delayWs` delay with the order kept.
   */
  publish(apiKey: string, event: Record<string, unknown>): void {
    for (const conn of this.conns)
      for (const [subscriptionId, key] of conn.subs)
        if (key === apiKey) this.deliver(conn, toJson({ subscriptionId, event }))
  }

  private deliver(conn: ApiConn, text: string): void {
    conn.delivery.send(text, 'event')
  }

  /** `eventStreamTerminated` for subscriptions that ended. */
  private terminated(conn: ApiConn, ids: readonly number[]): void {
    for (const subscriptionId of ids)
      this.deliver(conn, toJson({ subscriptionId, event: { e: 'eventStreamTerminated', E: this.o.now() } }))
  }

  private request(conn: ApiConn, text: string): void {
    let msg: unknown
    try {
      msg = JSON.parse(text)
    } catch {
      this.send(conn, { id: null, status: 400, error: { code: -1000, msg: 'Malformed request.' } })
      return
    }
    const req = (typeof msg === 'object' && msg !== null ? msg : {}) as {
      id?: unknown
      method?: unknown
      params?: unknown
    }
    const id = typeof req.id === 'string' || typeof req.id === 'number' ? req.id : null
    const method = typeof req.method === 'string' ? req.method : ''
    const weight = WEIGHTS[method]
    if (weight === undefined) {
      this.send(conn, { id, status: 400, error: { code: -1000, msg: 'Unknown method.' } })
      return
    }
    const params =
      typeof req.params === 'object' && req.params !== null && !Array.isArray(req.params)
        ? (req.params as Record<string, unknown>)
        : {}
    try {
      const result = this.run(conn, method, params)
      this.send(conn, { id, status: 200, result, rateLimits: this.rateLimits(weight) })
    } catch (err) {
      if (!(err instanceof BinanceError)) throw err
      this.send(conn, {
        id,
        status: err.status,
        error: { code: err.code, msg: err.message },
        rateLimits: this.rateLimits(weight),
      })
    }
  }

  private run(conn: ApiConn, method: string, params: Record<string, unknown>): unknown {
    switch (method) {
      case 'ping':
        return {}
      case 'time':
        return { serverTime: this.o.now() }
      case 'userDataStream.subscribe.signature': {
        const apiKey = typeof params.apiKey === 'string' ? params.apiKey : undefined
        const signature = typeof params.signature === 'string' ? params.signature : ''
        // WS API rule: every param except `signature`, sorted by name, joined k=v&…
        const payload = Object.keys(params)
          .filter((k) => k !== 'signature')
          .sort()
          .map((k) => `${k}=${String(params[k])}`)
          .join('&')
        const query = signature === '' ? payload : `${payload}&signature=${encodeURIComponent(signature)}`
        this.o.priv.authenticate(apiKey, query, '')
        const subscriptionId = this.nextSubscription++
        conn.subs.set(subscriptionId, apiKey as string)
        return { subscriptionId }
      }
      case 'userDataStream.unsubscribe': {
        const raw = params.subscriptionId
        if (raw === undefined) {
          const ids = [...conn.subs.keys()]
          conn.subs.clear()
          this.terminated(conn, ids)
          return {}
        }
        const sid = Number(raw)
        if (!Number.isInteger(sid) || !conn.subs.delete(sid))
          throw new BinanceError(400, -2037, 'Invalid subscription ID.')
        this.terminated(conn, [sid])
        return {}
      }
      default:
        throw new BinanceError(400, -1000, 'Unknown method.')
    }
  }

  /** Time reached `t` (sim clock): server pings, and a connection silent to pings for 60 s is closed. */
  step(t: number): void {
    pingRound(this.conns, t, {
      intervalMs: this.o.pingIntervalMs,
      pongTimeoutMs: 60_000,
      wall: this.o.wall,
      faults: this.o.faults,
    })
  }

  /** Drops every connection without a close frame (clients see 1006); returns how many. */
  dropAll(): number {
    return terminateAll(this.conns)
  }

  /** Closes the endpoint. */
  async close(): Promise<void> {
    for (const t of this.timers) this.o.wall.clearTimeout(t)
    this.timers.clear()
    this.dropAll()
    await new Promise<void>((resolve) => this.wss.close(() => resolve()))
  }
}
