import { DataValidationError, describeValue, InvalidRequestError } from '@bb/errors'

/** The envelope schema version this package writes and reads. */
export const ENVELOPE_VERSION: 1 = 1

/** The market-data channels carried on the bus. */
export const BUS_CHANNELS = ['trade', 'ticker', 'orderbook'] as const

/** `trade`, `ticker` or `orderbook`. */
export type BusChannel = (typeof BUS_CHANNELS)[number]

/** One stream of the bus: one (exchange, channel, symbol). */
export interface StreamKey {
  /** The exchange id, e.g. `upbit`. */
  readonly exchange: string
  /** The channel. */
  readonly channel: BusChannel
  /** The market code, e.g. `KRW-BTC`. */
  readonly symbol: string
}

/**
 * One message on the bus (envelope version 1). Everything numeric that must stay exact travels as
 * text: `body` is the normalized model as JSON with decimals and ids as strings.
 */
export interface BusRecord {
  /** Envelope version. */
  readonly v: typeof ENVELOPE_VERSION
  /** Body encoding. */
  readonly codec: 'json'
  /** The stream this record belongs to. */
  readonly key: StreamKey
  /** The publisher's fencing token (lease epoch) when it wrote the record. */
  readonly epoch: number
  /** Per-stream publisher sequence, continuous across publisher failover (1, 2, 3, …). */
  readonly pseq: number
  /** Deduplication id: the trade id for trades, the timestamp (+ a content hash) for the others. */
  readonly did: string
  /** The normalized model, JSON with decimals and ids as strings. */
  readonly body: string
}

/** What a publisher hands to {@link BusTransport.publish}: the transport assigns `epoch` and `pseq`. */
export type BusRecordInput = Omit<BusRecord, 'v' | 'codec' | 'epoch' | 'pseq'>

/** A record as read back, with the transport's resume cursor (Redis entry id, JetStream sequence). */
export interface BusEntry {
  /** Resume cursor: pass it back to read what came after this entry. */
  readonly cursor: string
  /** The record. */
  readonly record: BusRecord
}

const SAFE = /^[A-Za-z0-9_-]+$/

/** Escapes one name segment for Redis keys and NATS subject tokens (`.`, `*`, `>`, spaces → `%XX`). */
export function escapeToken(value: string): string {
  if (SAFE.test(value)) return value
  return Array.from(value, (c) =>
    SAFE.test(c) ? c : `%${c.codePointAt(0)?.toString(16).toUpperCase()}`,
  ).join('')
}

/** Checks and returns a stream key (typed errors name the bad value). */
export function streamKey(exchange: unknown, channel: unknown, symbol: unknown): StreamKey {
  if (typeof exchange !== 'string' || exchange === '') {
    throw new InvalidRequestError({
      param: 'exchange',
      message: `exchange must be a non-empty string, got ${describeValue(exchange)}.`,
    })
  }
  if (typeof channel !== 'string' || !(BUS_CHANNELS as readonly string[]).includes(channel)) {
    throw new InvalidRequestError({
      param: 'channel',
      message: `channel must be one of ${BUS_CHANNELS.join(', ')}, got ${describeValue(channel)}.`,
    })
  }
  if (typeof symbol !== 'string' || symbol === '' || /\s/.test(symbol)) {
    throw new InvalidRequestError({
      param: 'symbol',
      message: `symbol must be a market code without spaces, got ${describeValue(symbol)}.`,
    })
  }
  return { exchange, channel: channel as BusChannel, symbol }
}

/** A stable text form of a key, `upbit:trade:KRW-BTC` (segments escaped). */
export function keyId(key: StreamKey): string {
  return `${escapeToken(key.exchange)}:${key.channel}:${escapeToken(key.symbol)}`
}

/** The record fields as flat strings (Redis stream fields, NATS headers + body). */
export function encodeFields(record: BusRecord): Record<string, string> {
  return {
    v: String(record.v),
    codec: record.codec,
    ch: record.key.channel,
    sym: record.key.symbol,
    ex: record.key.exchange,
    epoch: String(record.epoch),
    pseq: String(record.pseq),
    did: record.did,
    body: record.body,
  }
}

/**
 * Reads a record from its flat fields. An unknown envelope version or codec is refused with a
 * `DataValidationError` naming it (a newer publisher than this consumer), never guessed.
 */
export function decodeFields(fields: Readonly<Record<string, string | undefined>>): BusRecord {
  const v = Number(fields.v)
  if (v !== ENVELOPE_VERSION) {
    throw new DataValidationError({
      path: 'v',
      expected: `envelope version ${ENVELOPE_VERSION}`,
      received: fields.v,
      message: `Unknown bus envelope version ${describeValue(fields.v)}: this consumer reads version ${ENVELOPE_VERSION}; upgrade @bb/bus.`,
    })
  }
  if (fields.codec !== 'json') {
    throw new DataValidationError({ path: 'codec', expected: 'json', received: fields.codec })
  }
  const epoch = Number(fields.epoch)
  const pseq = Number(fields.pseq)
  if (
    !Number.isSafeInteger(epoch) ||
    !Number.isSafeInteger(pseq) ||
    typeof fields.body !== 'string' ||
    !fields.did
  ) {
    throw new DataValidationError({
      path: 'epoch',
      expected: 'integers epoch and pseq, a did and a body',
      received: fields,
    })
  }
  return {
    v: ENVELOPE_VERSION,
    codec: 'json',
    key: streamKey(fields.ex, fields.ch, fields.sym),
    epoch,
    pseq,
    did: fields.did,
    body: fields.body,
  }
}

/** Refuses a consumer id that is not a non-empty string. */
export function checkConsumer(consumer: unknown): void {
  if (typeof consumer !== 'string' || consumer === '') {
    throw new InvalidRequestError({
      param: 'consumer',
      message: `consumer must be a non-empty id, got ${describeValue(consumer)}.`,
    })
  }
}
