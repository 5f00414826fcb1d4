import { describeValue, InvalidRequestError, NetworkError } from '@bb/errors'
import {
  type ConsumerMessages,
  DeliverPolicy,
  type JetStreamClient,
  type JetStreamManager,
  jetstream,
  jetstreamManager,
  type OrderedConsumerOptions,
  StorageType,
} from '@nats-io/jetstream'
import { type KV, Kvm } from '@nats-io/kv'
import { connect, type NatsConnection } from '@nats-io/transport-node'
import {
  type BusEntry,
  type BusRecordInput,
  checkConsumer,
  decodeFields,
  ENVELOPE_VERSION,
  encodeFields,
  escapeToken,
  keyId,
  type StreamKey,
  streamKey,
} from './envelope.js'
import type {
  BusStatus,
  BusTransport,
  LeaseToken,
  PublishResult,
  ReadOptions,
  TransportSettings,
} from './transport.js'

/** Options of {@link natsTransport}. */
export interface NatsTransportOptions extends TransportSettings {
  /** `nats://host:port`. */
  url: string
  /** JetStream storage of the market-data streams. @default 'file' */
  storage?: 'file' | 'memory'
}

const encoder = new TextEncoder()
const decoder = new TextDecoder()

/**
 * The NATS JetStream transport: one JetStream stream per exchange over the subjects
 * `bb.data.<exchange>.<channel>.<symbol>`, `max_msgs_per_subject` as retention, `Nats-Msg-Id`
 * dedup within the window, leases in a KV bucket whose revision is the epoch. Fencing is one
 * server-side step: a new leader first writes a fence record (its epoch) on the exchange's fence
 * subject, and every record is published with `expect.lastSequence` = the stream's sequence
 * after the writer's own previous write. A stale leader's next write is refused by the server
 * ("wrong last sequence"), whatever subject it writes. The cost: one exchange's writes are
 * acknowledged one after the other.
 *
 * @example
 * ```ts
 * import { natsTransport } from '@bb/bus'
 * const bus = await natsTransport({ url: 'nats://127.0.0.1:4222' })
 * await bus.close()
 * ```
 */
export async function natsTransport(options: NatsTransportOptions): Promise<BusTransport> {
  if (typeof options?.url !== 'string' || !/^nats:\/\//.test(options.url)) {
    throw new InvalidRequestError({
      param: 'url',
      message: `bus url must be nats://host:port, got ${describeValue(options?.url)}.`,
    })
  }
  const prefix = options.prefix ?? 'bb'
  const maxLen = options.maxLen ?? 10_000
  const ttl = options.leaseTtlMs ?? 3000
  const dedupMs = options.dedupWindowMs ?? 120_000
  const demandTtlMs = options.demandTtlMs ?? 30_000
  for (const [name, value] of Object.entries({
    maxLen,
    leaseTtlMs: ttl,
    dedupWindowMs: dedupMs,
    demandTtlMs,
  })) {
    if (!Number.isInteger(value) || value < 1) {
      throw new InvalidRequestError({
        param: name,
        message: `${name} must be a positive integer, got ${describeValue(value)}.`,
      })
    }
  }
  const nc: NatsConnection = await connect({
    servers: options.url.replace(/^nats:\/\//, ''),
    maxReconnectAttempts: -1,
    reconnectTimeWait: 200,
  })
  // JetStream API calls queue in the server: on a loaded host (several processes creating streams
  // and buckets at once, file storage) the client's 5 s default timed out. 20 s per call.
  // A server that has just started can leave a JetStream API request unanswered (it listens
  // before its JetStream account is ready: a fresh server's first request timed out after 20 s on
  // a loaded CI machine). Setup calls are idempotent, so a timed-out one is asked again, three
  // times at most; then the connection is closed and the error says which step failed.
  const setup = async <T>(step: string, call: () => Promise<T>): Promise<T> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await call()
      } catch (error) {
        const text = `${(error as Error)?.name ?? ''} ${(error as Error)?.message ?? ''}`
        const transient = /timeout|no responders|503/i.test(text)
        if (!transient || attempt >= 3) {
          await nc.close().catch(() => undefined)
          if (!transient) throw error
          throw new NetworkError({
            message: `NATS did not answer ${step} (3 attempts): ${text.trim()}.`,
            cause: error,
          })
        }
        await new Promise((resolve) => setTimeout(resolve, 500 * attempt))
      }
    }
  }
  const jsm: JetStreamManager = await setup('the JetStream account info', () =>
    jetstreamManager(nc, { timeout: 20_000 }),
  )
  const js: JetStreamClient = jetstream(nc, { timeout: 20_000 })
  const kvm = new Kvm(js)
  const leases: KV = await setup('the leases bucket', () =>
    kvm.create(`${prefix}_leases`, { ttl, history: 1 }),
  )
  const statuses: KV = await setup('the status bucket', () =>
    kvm.create(`${prefix}_status`, { ttl: ttl * 4, history: 1 }),
  )
  // Demand: one key per (exchange, channel, symbol, consumer); the bucket's TTL expires a
  // registration that is not renewed (a put renews it).
  // A bucket made by another process with another TTL is used as it is (its TTL wins).
  const bucket = (name: string, bucketTtl: number): Promise<KV> =>
    setup(`the ${name} bucket`, () =>
      kvm.create(name, { ttl: bucketTtl, history: 1 }).catch((error: unknown) => {
        if (!/already in use/i.test(String((error as Error)?.message))) throw error
        return kvm.open(name)
      }),
    )
  const demandBucket = await bucket(`${prefix}_demand`, demandTtlMs)
  const refusals = await bucket(`${prefix}_refused`, demandTtlMs * 2)
  const demandTtl = (await demandBucket.status()).ttl || demandTtlMs
  const streams = new Map<string, Promise<string>>()
  const readers = new Set<ConsumerMessages>()
  /** Per subject, for the lease epoch that last wrote it: the last pseq. */
  const writers = new Map<string, { epoch: number; pseq: number; seq: number }>()
  /** Revision of each lease we hold (renewing moves it). */
  const revisions = new Map<string, number>()

  /**
   * The JetStream stream of an exchange, created on first use. A publisher (`writer`) that finds it
   * with other retention updates it to its own; readers use it as it is.
   */
  const streamFor = (exchange: string, writer = false): Promise<string> => {
    const cacheKey = `${exchange}|${writer}`
    let name = streams.get(cacheKey)
    if (!name) {
      const stream = `${prefix}_md_${escapeToken(exchange).replace(/[^A-Za-z0-9_-]/g, '_')}`.toUpperCase()
      const config = {
        name: stream,
        subjects: [`${prefix}.data.${escapeToken(exchange)}.>`],
        max_msgs_per_subject: maxLen,
        allow_direct: true,
        duplicate_window: dedupMs * 1_000_000,
        storage: options.storage === 'memory' ? StorageType.Memory : StorageType.File,
      }
      name = (async () => {
        try {
          await jsm.streams.add(config)
        } catch (error) {
          if (!/already in use/i.test(String((error as Error)?.message))) throw error
          if (writer) {
            await jsm.streams.update(stream, {
              max_msgs_per_subject: maxLen,
              duplicate_window: dedupMs * 1_000_000,
            })
          }
        }
        return stream
      })()
      streams.set(cacheKey, name)
      name.catch(() => streams.delete(cacheKey))
    }
    return name
  }
  const subject = (key: StreamKey) =>
    `${prefix}.data.${escapeToken(key.exchange)}.${key.channel}.${escapeToken(key.symbol)}`
  const leaseKey = (name: string) => escapeToken(name).replace(/%/g, '_')
  /** A KV key token: escaped, with `%` (not allowed in KV keys) as `=`. */
  const kvToken = (value: string) => escapeToken(value).replace(/%/g, '=')
  const demandKey = (consumer: string, key: StreamKey) =>
    `${kvToken(key.exchange)}.${key.channel}.${kvToken(key.symbol)}.${kvToken(consumer)}`
  const refusalKey = (key: StreamKey) => `${kvToken(key.exchange)}.${key.channel}.${kvToken(key.symbol)}`
  const leaseValue = (lease: LeaseToken) => `${lease.owner}|${lease.epoch}`
  const toEntry = (seq: number, data: Uint8Array): BusEntry => ({
    cursor: String(seq),
    record: decodeFields(JSON.parse(decoder.decode(data)) as Record<string, string>),
  })
  const tail = async (key: StreamKey): Promise<BusEntry | undefined> => {
    const stream = await streamFor(key.exchange)
    try {
      const message = await jsm.streams.getMessage(stream, { last_by_subj: subject(key) })
      return message ? toEntry(message.seq, message.data) : undefined
    } catch (error) {
      if (/no message found|not found/i.test(String((error as Error)?.message))) return undefined
      throw error
    }
  }

  const consumerOptions = (after: string | 'start' | 'end'): Partial<OrderedConsumerOptions> =>
    after === 'start'
      ? { deliver_policy: DeliverPolicy.All }
      : after === 'end'
        ? { deliver_policy: DeliverPolicy.New }
        : { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: Number(after) + 1 }

  /** The subject of an exchange's fence records (not a channel, so no reader ever sees it). */
  const fenceSubject = (exchange: string) => `${prefix}.data.${escapeToken(exchange)}._fence`
  const FENCED = /wrong last sequence/i
  /**
   * Per exchange stream, for the epoch that last wrote it: the stream's last sequence after our
   * own last write. Every record is published with `expect.lastSequence` = that value, so the
   * server refuses the write of anyone who is not the last writer of the whole stream.
   */
  const fences = new Map<string, { epoch: number; seq: number; chain: Promise<unknown> }>()
  const opening = new Map<
    string,
    Promise<{ epoch: number; seq: number; chain: Promise<unknown> } | undefined>
  >()

  /**
   * Opens a term on an exchange's stream: writes a fence record `{ owner, epoch }` on the fence
   * subject, conditional on the fence subject's last sequence (a CAS), unless a higher epoch
   * fenced it already. From then on any older leader's write is refused by the server.
   */
  const openFence = async (exchange: string, lease: LeaseToken) => {
    const stream = await streamFor(exchange, true)
    const subj = fenceSubject(exchange)
    let last: { seq: number; epoch: number } | undefined
    try {
      const message = await jsm.streams.getMessage(stream, { last_by_subj: subj })
      if (message) last = { seq: message.seq, epoch: Number(JSON.parse(decoder.decode(message.data)).epoch) }
    } catch (error) {
      if (!/no message found|not found/i.test(String((error as Error)?.message))) throw error
    }
    if (last && last.epoch >= lease.epoch) return undefined
    try {
      const ack = await js.publish(
        subj,
        encoder.encode(JSON.stringify({ owner: lease.owner, epoch: lease.epoch })),
        { expect: { lastSubjectSequence: last?.seq ?? 0 } },
      )
      return { epoch: lease.epoch, seq: ack.seq, chain: Promise.resolve() as Promise<unknown> }
    } catch (error) {
      if (FENCED.test(String((error as Error)?.message))) return undefined
      throw error
    }
  }

  const publishOne = async (
    input: BusRecordInput,
    lease: LeaseToken,
    fence: { epoch: number; seq: number },
  ): Promise<PublishResult> => {
    const subj = subject(input.key)
    let state = writers.get(subj)
    if (!state || state.epoch !== lease.epoch) {
      // After our fence no older leader can write: this tail is final.
      const last = await tail(input.key)
      state = { epoch: lease.epoch, pseq: last?.record.pseq ?? 0, seq: 0 }
      writers.set(subj, state)
    }
    const record = {
      ...input,
      v: ENVELOPE_VERSION,
      codec: 'json' as const,
      epoch: lease.epoch,
      pseq: state.pseq + 1,
    }
    try {
      const ack = await js.publish(subj, encoder.encode(JSON.stringify(encodeFields(record))), {
        msgID: `${keyId(input.key)}:${input.did}`,
        expect: { lastSequence: fence.seq },
      })
      if (ack.duplicate) return { status: 'dup' }
      state.pseq += 1
      fence.seq = ack.seq
      return { status: 'ok', cursor: String(ack.seq) }
    } catch (error) {
      if (FENCED.test(String((error as Error)?.message))) {
        writers.delete(subj)
        return { status: 'fenced' }
      }
      throw error
    }
  }

  return {
    kind: 'nats',
    async publish(records: readonly BusRecordInput[], lease: LeaseToken): Promise<PublishResult[]> {
      // One chain per exchange stream: each write expects the stream's last sequence to be our
      // previous write, so a stale leader is refused by the server itself, in the same step.
      const results: Promise<PublishResult>[] = []
      for (const input of records) {
        const exchange = input.key.exchange
        let fence = fences.get(exchange)
        if (!fence || fence.epoch !== lease.epoch) {
          // One fence per (exchange, epoch), however many publish calls race to open it.
          const term = `${exchange}|${lease.epoch}`
          let pending = opening.get(term)
          if (!pending) {
            pending =
              fence && fence.epoch > lease.epoch ? Promise.resolve(undefined) : openFence(exchange, lease)
            opening.set(term, pending)
            pending.then(
              () => opening.delete(term),
              () => opening.delete(term),
            )
          }
          const opened = await pending
          if (!opened) {
            results.push(Promise.resolve({ status: 'fenced' }))
            continue
          }
          fence = opened
          fences.set(exchange, fence)
        }
        const held = fence
        const next = held.chain.then(() => publishOne(input, lease, held))
        held.chain = next.catch(() => {})
        results.push(next)
      }
      const settled = await Promise.all(results)
      // A refused write means someone else fenced the stream: forget our term on it.
      records.forEach((input, i) => {
        const fence = fences.get(input.key.exchange)
        if (settled[i]?.status === 'fenced' && fence?.epoch === lease.epoch) fences.delete(input.key.exchange)
      })
      return settled
    },
    async *read(key: StreamKey, after: string | 'start' | 'end', read: ReadOptions): AsyncIterable<BusEntry> {
      const { signal } = read
      if (signal.aborted) return
      const stream = await streamFor(key.exchange)
      const consumer = await js.consumers.get(stream, {
        filter_subjects: subject(key),
        ...consumerOptions(after),
      })
      const messages = await consumer.consume({
        // Few in flight: a paused consumer must not hold more than this past the trim.
        max_messages: 64,
        expires: Math.max(1000, read.blockMs ?? 1000),
      })
      readers.add(messages)
      const stop = () => void messages.stop()
      signal.addEventListener('abort', stop, { once: true })
      try {
        for await (const message of messages) {
          if (signal.aborted) return
          yield toEntry(message.seq, message.data)
        }
      } finally {
        signal.removeEventListener('abort', stop)
        readers.delete(messages)
        messages.stop()
      }
    },
    async range(key: StreamKey, after: string | 'start', count: number): Promise<BusEntry[]> {
      const stream = await streamFor(key.exchange)
      const out: BusEntry[] = []
      let seq = after === 'start' ? 0 : Number(after)
      let misses = 0
      // Direct "next by subject" reads: no consumer to create for a short page.
      while (out.length < count) {
        let message: Awaited<ReturnType<JetStreamManager['streams']['getMessage']>>
        try {
          message = await jsm.direct.getMessage(stream, { seq: seq + 1, next_by_subj: subject(key) })
        } catch (error) {
          if (!/no message found|not found/i.test(String((error as Error)?.message))) throw error
          message = null
        }
        if (!message) {
          // A direct get answers 404 for any store error, and nats-server 2.9 gives a spurious one
          // now and then while the stream trims under writes (seen in CI: an empty first page of a
          // full stream). Only the subject's last sequence (the stream leader's own API) says the
          // range has ended; below it, read again.
          const last = await tail(key)
          if (!last || Number(last.cursor) <= seq) break
          if (++misses > 5) {
            throw new NetworkError({
              message: `NATS answered "no message" after sequence ${seq} of ${stream} ${misses} times while the subject holds sequence ${last.cursor}.`,
              details: { stream, after: seq, last: Number(last.cursor) },
            })
          }
          await new Promise((resolve) => setTimeout(resolve, 10 * misses))
          continue
        }
        misses = 0
        out.push(toEntry(message.seq, message.data))
        seq = message.seq
      }
      return out
    },
    async latest(keys: readonly StreamKey[]) {
      const entries = await Promise.all(keys.map((k) => tail(k)))
      const out = new Map<string, BusEntry>()
      keys.forEach((k, i) => {
        const entry = entries[i]
        if (entry) out.set(keyId(k), entry)
      })
      return out
    },
    tail,
    async acquire(name: string, owner: string) {
      if (typeof owner !== 'string' || owner === '' || owner.includes('|')) {
        throw new InvalidRequestError({
          param: 'owner',
          message: `owner must be a non-empty id without "|", got ${describeValue(owner)}.`,
        })
      }
      const key = leaseKey(name)
      // The revision the entry will get is the stream's next sequence: use the current one + 1 as
      // the epoch, then write the value with the epoch in it by CAS on our own create.
      try {
        const created = await leases.create(key, `${owner}|pending`)
        const lease = { name, owner, epoch: created }
        const revision = await leases.update(key, leaseValue(lease), created)
        revisions.set(name, revision)
        return lease
      } catch (error) {
        if (/wrong last sequence|key exists/i.test(String((error as Error)?.message))) return undefined
        throw error
      }
    },
    async renew(lease: LeaseToken) {
      const revision = revisions.get(lease.name)
      if (revision === undefined) return false
      try {
        revisions.set(lease.name, await leases.update(leaseKey(lease.name), leaseValue(lease), revision))
        return true
      } catch {
        revisions.delete(lease.name)
        return false
      }
    },
    async release(lease: LeaseToken) {
      const revision = revisions.get(lease.name)
      revisions.delete(lease.name)
      if (revision === undefined) return
      try {
        await leases.delete(leaseKey(lease.name), { previousSeq: revision })
      } catch {
        // Already lost: nothing to give up.
      }
    },
    async writeStatus(exchange: string, status: BusStatus) {
      await statuses.put(leaseKey(exchange), JSON.stringify(status))
    },
    async readStatus(exchange: string) {
      const entry = await statuses.get(leaseKey(exchange))
      return entry && entry.operation === 'PUT' ? (JSON.parse(entry.string()) as BusStatus) : undefined
    },
    demandTtlMs: demandTtl,
    async demand(consumer: string, keys: readonly StreamKey[]) {
      checkConsumer(consumer)
      await Promise.all(
        keys.map((key) =>
          demandBucket.put(demandKey(consumer, key), JSON.stringify([consumer, key.channel, key.symbol])),
        ),
      )
    },
    async withdraw(consumer: string, keys: readonly StreamKey[]) {
      checkConsumer(consumer)
      await Promise.all(keys.map((key) => demandBucket.purge(demandKey(consumer, key))))
    },
    async demands(exchange: string) {
      const names: string[] = []
      for await (const name of await demandBucket.keys(`${kvToken(exchange)}.>`)) names.push(name)
      const entries = await Promise.all(names.map((name) => demandBucket.get(name)))
      return entries.flatMap((entry) => {
        if (entry?.operation !== 'PUT') return []
        try {
          const [consumer, channel, symbol] = JSON.parse(entry.string()) as [string, string, string]
          const key = streamKey(exchange, channel, symbol)
          return [{ channel: key.channel, symbol: key.symbol, consumer }]
        } catch {
          return [] // not ours (a newer writer's format): ignored, never a crash of the reader
        }
      })
    },
    async refuse(key: StreamKey, reason: string) {
      await refusals.put(refusalKey(key), reason)
    },
    async refusal(key: StreamKey) {
      const entry = await refusals.get(refusalKey(key))
      return entry && entry.operation === 'PUT' ? entry.string() : undefined
    },
    async close() {
      for (const reader of readers) reader.stop()
      readers.clear()
      await nc.drain().catch(() => nc.close())
    },
  }
}
