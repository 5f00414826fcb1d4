import type { BusChannel, BusEntry, BusRecordInput, StreamKey } from './envelope.js'

/** What happened to one record of a {@link BusTransport.publish} batch. */
export type PublishResult =
  | { readonly status: 'ok'; readonly cursor: string }
  /** The same `did` was published on this stream within the dedup window: not stored again. */
  | { readonly status: 'dup' }
  /** The caller's lease is no longer valid: nothing was written; the caller must step down. */
  | { readonly status: 'fenced' }

/** Proof of leadership: the lease name, its owner and the epoch (fencing token) it was granted with. */
export interface LeaseToken {
  /** The lease name, e.g. `upbit:md`. */
  readonly name: string
  /** Who holds it (`bb serve`'s instance id). */
  readonly owner: string
  /** Strictly increasing per lease across holders (and across a Redis restart). */
  readonly epoch: number
}

/** The leader's heartbeat, readable by every consumer. */
export interface BusStatus {
  /** The leader's instance id. */
  readonly owner: string
  /** The leader's epoch. */
  readonly epoch: number
  /** When it became leader, ms UTC (its clock). */
  readonly since: number
  /** When it wrote this heartbeat, ms UTC (its clock). */
  readonly at: number
  /** Whether its exchange WebSocket is up. */
  readonly connected: boolean
  /** Records published since it became leader. */
  readonly published: number
}

/** One consumer's live interest in one stream, as `bb serve` reads it from the bus. */
export interface Demand {
  /** The channel asked for. */
  readonly channel: BusChannel
  /** The market code asked for. */
  readonly symbol: string
  /** The consumer's id (one per remote backbone). */
  readonly consumer: string
}

/** Options of {@link BusTransport.read}. */
export interface ReadOptions {
  /** Ends the iteration. */
  readonly signal: AbortSignal
  /** Longest server-side wait per poll, ms. @default 1000 */
  readonly blockMs?: number
}

/**
 * One contract, two engines (`redisTransport`, `natsTransport`), checked by the same
 * conformance suite. Streams are per (exchange, channel, symbol); records carry a versioned
 * envelope; publishing is deduplicated and fenced by a lease.
 */
export interface BusTransport {
  /** `redis` or `nats`. */
  readonly kind: 'redis' | 'nats'
  /**
   * Publishes records in order under a lease. Each record is refused as `fenced` when `lease` is no
   * longer the current holder, skipped as `dup` when its `did` was seen on its stream within the
   * dedup window, and otherwise appended (trimmed to the stream's retention) with the next `pseq`.
   */
  publish(records: readonly BusRecordInput[], lease: LeaseToken): Promise<PublishResult[]>
  /**
   * Reads a stream after `after` (a cursor from an earlier entry; `'start'`: from the oldest
   * entry kept; `'end'`: only what is published from now on) until `signal` aborts.
   */
  read(key: StreamKey, after: string | 'start' | 'end', options: ReadOptions): AsyncIterable<BusEntry>
  /** Up to `count` entries after `after` (`'start'`: the oldest kept), without waiting. */
  range(key: StreamKey, after: string | 'start', count: number): Promise<BusEntry[]>
  /** The newest entry of each stream that has one (latest value per key). */
  latest(keys: readonly StreamKey[]): Promise<Map<string, BusEntry>>
  /** The newest entry of one stream. */
  tail(key: StreamKey): Promise<BusEntry | undefined>
  /** Tries to take the lease `name` for `owner`; `undefined` while another holder's lease is alive. */
  acquire(name: string, owner: string): Promise<LeaseToken | undefined>
  /** Extends a held lease; `false` when it was lost (expired and taken, or the server restarted). */
  renew(lease: LeaseToken): Promise<boolean>
  /** Gives a held lease up at once (a clean shutdown: the standby need not wait for the TTL). */
  release(lease: LeaseToken): Promise<void>
  /** Writes the leader's heartbeat (kept for a few lease TTLs). */
  writeStatus(exchange: string, status: BusStatus): Promise<void>
  /** Reads the leader's last heartbeat. */
  readStatus(exchange: string): Promise<BusStatus | undefined>
  /**
   * How long a demand registration lives unless renewed, ms (the transport's `demandTtlMs`).
   * Consumers renew every third of it.
   */
  readonly demandTtlMs: number
  /**
   * Registers or renews `consumer`'s interest in `keys` for `demandTtlMs` (Redis: a sorted set
   * scored by expiry on the server's clock; NATS: a KV bucket whose TTL is `demandTtlMs`).
   */
  demand(consumer: string, keys: readonly StreamKey[]): Promise<void>
  /** Withdraws `consumer`'s interest in `keys` at once (an unsubscribe). */
  withdraw(consumer: string, keys: readonly StreamKey[]): Promise<void>
  /** Every live (unexpired) interest in streams of `exchange`, one entry per consumer and stream. */
  demands(exchange: string): Promise<Demand[]>
  /** Marks a demanded stream as refused by the publisher (e.g. an unknown market) for two `demandTtlMs`. */
  refuse(key: StreamKey, reason: string): Promise<void>
  /** Why the publisher refused `key`, or `undefined`. */
  refusal(key: StreamKey): Promise<string | undefined>
  /** Closes every connection; pending reads end. */
  close(): Promise<void>
}

/** Retention and lease settings every transport takes. */
export interface TransportSettings {
  /**
   * Entries kept per stream (Redis `MAXLEN ~`, JetStream `max_msgs_per_subject`). Trades also
   * keep at least this many. @default 10000
   */
  maxLen?: number
  /** Lease time-to-live, ms. @default 3000 */
  leaseTtlMs?: number
  /** Window within which a repeated `did` is refused as a duplicate, ms. @default 120000 */
  dedupWindowMs?: number
  /** Lifetime of a consumer's demand registration unless renewed, ms. @default 30000 */
  demandTtlMs?: number
  /** Key / subject prefix. @default 'bb' */
  prefix?: string
}
