import { describeValue, InvalidRequestError } from '@bb/errors'
import { createClient, type RedisClientType } from 'redis'
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

/** Options of {@link redisTransport}. */
export interface RedisTransportOptions extends TransportSettings {
  /** `redis://host:port[/db]`. */
  url: string
}

// KEYS: lease, dedup zset, stream, pseq hash. ARGV: token, epoch, did, dedup window ms, maxlen,
// pseq field, then the envelope fields (name, value, …) without epoch and pseq.
// One atomic step: lease check → dedup (ZADD NX on a time-bounded set) → next pseq → XADD MAXLEN ~.
const PUBLISH = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 'FENCED' end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - tonumber(ARGV[4]))
if redis.call('ZADD', KEYS[2], 'NX', now, ARGV[3]) == 0 then return 'DUP' end
redis.call('PEXPIRE', KEYS[2], tonumber(ARGV[4]) * 2)
local pseq = redis.call('HINCRBY', KEYS[4], ARGV[6], 1)
local fields = { 'epoch', ARGV[2], 'pseq', tostring(pseq) }
for i = 7, #ARGV do fields[#fields + 1] = ARGV[i] end
return redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[5], '*', unpack(fields))
`
// KEYS: lease, epoch. ARGV: owner, ttl. The epoch never goes back, even after a restart without
// persistence: it is at least the server's clock in ms.
const ACQUIRE = `
if redis.call('EXISTS', KEYS[1]) == 1 then return false end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local e = tonumber(redis.call('GET', KEYS[2]) or '0') + 1
if e < now then e = now end
redis.call('SET', KEYS[2], string.format('%d', e))
redis.call('SET', KEYS[1], ARGV[1] .. '|' .. string.format('%d', e), 'PX', ARGV[2])
return string.format('%d', e)
`
const RENEW = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
`
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`

// KEYS: demand zset. ARGV: ttl ms, then members. Scores are expiry times on the server's clock.
const DEMAND = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
for i = 2, #ARGV do redis.call('ZADD', KEYS[1], now + tonumber(ARGV[1]), ARGV[i]) end
return #ARGV - 1
`
// KEYS: demand zset. Drops the expired members, returns the live ones.
const DEMANDS = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
return redis.call('ZRANGE', KEYS[1], 0, -1)
`

type Client = RedisClientType

/** Runs a Lua script by its SHA, loading it once on `NOSCRIPT` (e.g. after a server restart). */
export function scriptRunner(
  client: { evalSha: Client['evalSha']; scriptLoad: Client['scriptLoad'] },
  source: string,
) {
  let sha: string | undefined
  return async (keys: string[], args: string[]): Promise<unknown> => {
    sha ??= await client.scriptLoad(source)
    try {
      return await client.evalSha(sha, { keys, arguments: args })
    } catch (error) {
      if (!String((error as Error)?.message).includes('NOSCRIPT')) throw error
      sha = await client.scriptLoad(source)
      return client.evalSha(sha, { keys, arguments: args })
    }
  }
}

/** Connects a node-redis v6 client (no Enterprise maintenance push notifications). */
export async function connectRedis(url: string): Promise<Client> {
  if (typeof url !== 'string' || !/^rediss?:\/\//.test(url)) {
    throw new InvalidRequestError({
      param: 'url',
      message: `bus url must be redis://host:port, got ${describeValue(url)}.`,
    })
  }
  let connected = false
  const client = createClient({
    url,
    maintNotifications: 'disabled',
    socket: {
      // Reconnect for ever once connected (a server restart); give up a first connect after ~10 s.
      reconnectStrategy: (retries: number, cause: Error) =>
        !connected && retries > 12 ? cause : Math.min(50 * 2 ** retries, 1000),
    },
  } as Parameters<typeof createClient>[0]) as unknown as Client
  client.once('ready', () => {
    connected = true
  })
  // Errors surface through the commands; an unhandled 'error' event would crash the process.
  client.on('error', () => {})
  await client.connect()
  return client
}

const leaseValue = (lease: LeaseToken) => `${lease.owner}|${lease.epoch}`

/** Demand members (`[consumer, channel, symbol]` as JSON) grouped by exchange. */
function byExchange(consumer: string, keys: readonly StreamKey[]): Map<string, string[]> {
  const out = new Map<string, string[]>()
  for (const key of keys) {
    const list = out.get(key.exchange) ?? []
    list.push(JSON.stringify([consumer, key.channel, key.symbol]))
    out.set(key.exchange, list)
  }
  return out
}

/**
 * The Redis Streams transport (the default): one stream per (exchange, channel, symbol), publishing
 * as one Lua step that checks the lease, deduplicates and appends with `MAXLEN ~`; leases with an
 * epoch that never goes back; the newest entry of a stream is its latest value.
 *
 * @example
 * ```ts
 * import { redisTransport } from '@bb/bus'
 * const bus = await redisTransport({ url: 'redis://127.0.0.1:6379' })
 * const lease = await bus.acquire('upbit', 'serve-1')
 * await bus.close()
 * ```
 */
export async function redisTransport(options: RedisTransportOptions): Promise<BusTransport> {
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
  const client = await connectRedis(options.url)
  const readers = new Set<Client>()
  const publish = scriptRunner(client, PUBLISH)
  const acquire = scriptRunner(client, ACQUIRE)
  const renew = scriptRunner(client, RENEW)
  const release = scriptRunner(client, RELEASE)
  const demand = scriptRunner(client, DEMAND)
  const demands = scriptRunner(client, DEMANDS)
  const base = (exchange: string) => `${prefix}:{${escapeToken(exchange)}}`
  const streamName = (key: StreamKey) => `${base(key.exchange)}:md:${key.channel}:${escapeToken(key.symbol)}`
  const leaseName = (name: string) => `${base(name)}:lease`
  const toEntry = (raw: { id: string; message: Record<string, string> }): BusEntry => ({
    cursor: raw.id,
    record: decodeFields(raw.message),
  })
  const tail = async (key: StreamKey) => {
    const rows = (await client.xRevRange(streamName(key), '+', '-', { COUNT: 1 })) ?? []
    const row = rows[0]
    return row ? toEntry(row as { id: string; message: Record<string, string> }) : undefined
  }
  const range = async (key: StreamKey, after: string, count: number) => {
    const start = after === 'start' ? '-' : `(${after}`
    const rows = (await client.xRange(streamName(key), start, '+', { COUNT: count })) ?? []
    return rows.map((row) => toEntry(row as { id: string; message: Record<string, string> }))
  }

  return {
    kind: 'redis',
    async publish(records: readonly BusRecordInput[], lease: LeaseToken): Promise<PublishResult[]> {
      const value = leaseValue(lease)
      const results = await Promise.all(
        records.map((input) => {
          const fields = encodeFields({
            ...input,
            v: ENVELOPE_VERSION,
            codec: 'json',
            epoch: lease.epoch,
            pseq: 0,
          })
          const { epoch: _e, pseq: _p, ...rest } = fields
          const flat = Object.entries(rest).flat()
          const base = `${prefix}:{${escapeToken(input.key.exchange)}}`
          return publish(
            [leaseName(lease.name), `${base}:dd:${keyId(input.key)}`, streamName(input.key), `${base}:pseq`],
            [
              value,
              String(lease.epoch),
              input.did,
              String(dedupMs),
              String(maxLen),
              keyId(input.key),
              ...flat,
            ],
          )
        }),
      )
      return results.map((r): PublishResult => {
        if (r === 'FENCED') return { status: 'fenced' }
        if (r === 'DUP') return { status: 'dup' }
        return { status: 'ok', cursor: String(r) }
      })
    },
    async *read(key: StreamKey, after: string | 'start' | 'end', read: ReadOptions): AsyncIterable<BusEntry> {
      const { signal } = read
      let cursor = after === 'start' ? '0-0' : after === 'end' ? ((await tail(key))?.cursor ?? '0-0') : after
      const reader = client.duplicate() as Client
      reader.on('error', () => {})
      readers.add(reader)
      const stop = () => void reader.destroy()
      signal.addEventListener('abort', stop, { once: true })
      try {
        await reader.connect()
        while (!signal.aborted) {
          let reply: unknown
          try {
            reply = await reader.xRead(
              { key: streamName(key), id: cursor },
              { BLOCK: read.blockMs ?? 1000, COUNT: 1000 },
            )
          } catch (error) {
            if (signal.aborted) return
            // The server restarted or the connection dropped: the client reconnects; poll again.
            void error
            await new Promise((r) => setTimeout(r, 100))
            continue
          }
          const streams = (reply ?? []) as {
            name: string
            messages: { id: string; message: Record<string, string> }[]
          }[]
          for (const stream of streams) {
            for (const message of stream.messages) {
              cursor = message.id
              yield toEntry(message)
              if (signal.aborted) return
            }
          }
        }
      } finally {
        signal.removeEventListener('abort', stop)
        readers.delete(reader)
        if (reader.isOpen) reader.destroy()
      }
    },
    range: (key, after, count) => range(key, after, count),
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
      const epoch = await acquire([leaseName(name), `${base(name)}:epoch`], [owner, String(ttl)])
      return epoch === null || epoch === undefined ? undefined : { name, owner, epoch: Number(epoch) }
    },
    async renew(lease: LeaseToken) {
      return Number(await renew([leaseName(lease.name)], [leaseValue(lease), String(ttl)])) === 1
    },
    async release(lease: LeaseToken) {
      await release([leaseName(lease.name)], [leaseValue(lease)])
    },
    async writeStatus(exchange: string, status: BusStatus) {
      await client.set(`${base(exchange)}:status`, JSON.stringify(status), { PX: ttl * 4 })
    },
    async readStatus(exchange: string) {
      const text = await client.get(`${base(exchange)}:status`)
      return text ? (JSON.parse(text) as BusStatus) : undefined
    },
    demandTtlMs,
    async demand(consumer: string, keys: readonly StreamKey[]) {
      checkConsumer(consumer)
      for (const [exchange, members] of byExchange(consumer, keys))
        await demand([`${base(exchange)}:demand`], [String(demandTtlMs), ...members])
    },
    async withdraw(consumer: string, keys: readonly StreamKey[]) {
      checkConsumer(consumer)
      for (const [exchange, members] of byExchange(consumer, keys))
        await client.zRem(`${base(exchange)}:demand`, members)
    },
    async demands(exchange: string) {
      const members = (await demands([`${base(exchange)}:demand`], [])) as string[]
      return members.flatMap((member) => {
        try {
          const [consumer, channel, symbol] = JSON.parse(member) as [string, string, string]
          const key = streamKey(exchange, channel, symbol)
          return [{ channel: key.channel, symbol: key.symbol, consumer }]
        } catch {
          return [] // not ours (a newer writer's format): ignored, never a crash of the reader
        }
      })
    },
    async refuse(key: StreamKey, reason: string) {
      await client.set(`${base(key.exchange)}:refused:${keyId(key)}`, reason, { PX: demandTtlMs * 2 })
    },
    async refusal(key: StreamKey) {
      return (await client.get(`${base(key.exchange)}:refused:${keyId(key)}`)) ?? undefined
    },
    async close() {
      for (const reader of readers) if (reader.isOpen) reader.destroy()
      readers.clear()
      if (client.isOpen) client.destroy()
    },
  }
}
