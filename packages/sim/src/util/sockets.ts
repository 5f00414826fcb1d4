import type { Clock } from '@bb/utils'
import type { WebSocket } from 'ws'
import type { Faults } from '../faults.js'

/** A connection that the server pings with protocol pings and expects pongs from. */
export interface PingedConn {
  readonly ws: WebSocket
  /** Sim time of the last ping round. */
  lastPing: number
  /** Wall time the unanswered ping was sent. */
  pingWall: number
  /** A ping is unanswered. */
  pongPending: boolean
}

/** What {@link pingRound} needs of its server. */
export interface PingPolicy {
  /** Ping period, on the sim clock. */
  readonly intervalMs: number
  /** A ping unanswered this long (wall clock) closes the connection. */
  readonly pongTimeoutMs: number
  readonly wall: Clock
  readonly faults: Faults
}

/**
 * One round of server pings at sim time `t` (Binance's streams and WS API): every connection whose
 * period is up gets a protocol ping; one whose ping went unanswered for `pongTimeoutMs` is
 * terminated and removed. A silent socket (`faults.silence`) sends nothing, pings included.
 */
export function pingRound<C extends PingedConn>(conns: Set<C>, t: number, p: PingPolicy): void {
  for (const c of conns) {
    if (t - c.lastPing < p.intervalMs) continue
    c.lastPing = t
    if (c.pongPending && p.wall.now() - c.pingWall > p.pongTimeoutMs) {
      c.ws.terminate()
      conns.delete(c)
      continue
    }
    if (p.faults.silent()) continue
    if (!c.pongPending) c.pingWall = p.wall.now()
    c.pongPending = true
    if (c.ws.readyState === 1) c.ws.ping()
  }
}

/** Drops every connection without a close frame (clients see 1006); returns how many. */
export function terminateAll(conns: Set<{ readonly ws: WebSocket }>): number {
  const n = conns.size
  for (const c of [...conns]) {
    c.ws.terminate()
    conns.delete(c)
  }
  return n
}
