import type { Duplex } from 'node:stream'
import type { WebSocket } from 'ws'

/** What the outbox keeps per connection. */
export interface OutboxConn {
  readonly ws: WebSocket
  /** Frames waiting for the next flush (written as one TCP write). */
  out: Buffer[]
  outBytes: number
}

/**
 * One unmasked binary WebSocket frame (RFC 6455: FIN + binary opcode, no extensions) around
 * `payload`, with the 7-, 16- or 64-bit length form its size needs.
 */
export function binaryFrame(payload: Buffer): Buffer {
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
  return frame
}

/**
 * The hub's outbox: frames queued in one turn of the event loop go out in a single socket write
 * per connection. The faults, delays included, are applied before, by the connection's
 * `SocketDelivery`.
 */
export class Outbox<C extends OutboxConn> {
  private readonly flushQueue: C[] = []

  /** Queues `payload` for the next flush. */
  enqueue(conn: C, payload: Buffer): void {
    if (conn.ws.readyState !== conn.ws.OPEN) return
    const frame = binaryFrame(payload)
    conn.out.push(frame)
    conn.outBytes += frame.length
    if (conn.out.length === 1) {
      this.flushQueue.push(conn)
      if (this.flushQueue.length === 1) setImmediate(this.flushAll) // end of this turn: not a timer
    }
  }

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
}
