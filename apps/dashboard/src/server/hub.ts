/** One event of the dashboard's stream: a strictly increasing id, a type and a JSON body. */
export interface HubEvent {
  /** Sequence number, strictly increasing from 1, contiguous. */
  readonly id: number
  /** Event type (`market`, `health`, `decision`, `execution`, `route`, `link`, …). */
  readonly type: string
  /** The body, already serialized (decimals as strings). */
  readonly data: string
}

/** The replay answer for a `Last-Event-ID`: the events missed, or `resync` when they fell out of the buffer. */
export type Replay =
  | { readonly kind: 'events'; readonly events: readonly HubEvent[] }
  | { readonly kind: 'resync' }

/**
 * The server's event log: every event gets the next id and is kept in a ring buffer, so a tab that
 * reconnects with `Last-Event-ID` gets exactly what it missed (or `resync` when that is gone).
 */
export class EventHub {
  private readonly buffer: HubEvent[] = []
  private readonly listeners = new Set<(event: HubEvent) => void>()
  private nextId = 1

  constructor(private readonly capacity = 10_000) {}

  /** The id of the newest event (0 before the first). */
  get lastId(): number {
    return this.nextId - 1
  }

  /** Appends an event and hands it to every listener. */
  publish(type: string, body: unknown): HubEvent {
    const event: HubEvent = { id: this.nextId++, type, data: JSON.stringify(body) }
    this.buffer.push(event)
    if (this.buffer.length > this.capacity) this.buffer.splice(0, this.buffer.length - this.capacity)
    for (const listener of this.listeners) listener(event)
    return event
  }

  /** The events after `id`, or `resync` when some of them are no longer buffered. */
  since(id: number): Replay {
    if (id >= this.lastId) return { kind: 'events', events: [] }
    const oldest = this.buffer[0]?.id ?? this.nextId
    if (id < oldest - 1) return { kind: 'resync' }
    return { kind: 'events', events: this.buffer.slice(id - oldest + 1) }
  }

  /** Calls `listener` with every new event; returns the unsubscribe function. */
  listen(listener: (event: HubEvent) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }
}
