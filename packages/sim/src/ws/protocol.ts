import type { CandleUnit } from '../market/views.js'

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

/** The public stream types. */
const PUBLIC_TYPES = new Set(['ticker', 'trade', 'orderbook', ...Object.keys(CANDLE_TYPES)])
/** The private stream types (an authenticated connection only). */
const PRIVATE_TYPES = new Set(['myOrder', 'myAsset'])

/** Upbit's message of each error name. */
export const MESSAGES: Record<string, string> = {
  INVALID_AUTH: '인증 정보가 올바르지 않습니다.',
  WRONG_FORMAT: 'Format 이 맞지 않습니다.',
  NO_TICKET: '티켓이 존재하지 않거나, 유효하지 않습니다.',
  NO_TYPE: 'type 필드가 존재하지 않습니다.',
  NO_CODES: 'codes 필드가 존재하지 않습니다.',
  INVALID_PARAM: '요청 파라미터가 올바르지 않습니다.',
}

/** One requested code (an order book's `.depth` suffix parsed). */
interface CodeEntry {
  readonly code: string
  readonly requested: string
  readonly depth: number
}

/** One subscription of a request. */
export interface Sub {
  readonly type: string
  readonly codes: readonly CodeEntry[] | undefined // undefined = all (myOrder)
  readonly level: number | undefined
  readonly snapshot: boolean
  readonly realtime: boolean
}

/** What {@link parseRequest} answers: an error name, or the request. */
export type ParseResult =
  | { readonly error: string; readonly message?: string }
  | {
      readonly ticket: string
      readonly format: WsFormat | undefined
      readonly list: boolean
      readonly subs: Sub[] | undefined
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

/**
 * Parses one client request (Upbit's WebSocket protocol: a JSON list of a ticket, types with
 * codes and options, a format and the LIST_SUBSCRIPTIONS method). Pure: no connection, no I/O;
 * `authenticated` says whether private types (`myOrder`, `myAsset`) are allowed. An invalid
 * request answers with the error name Upbit sends (and its message, where Upbit has one).
 */
export function parseRequest(text: string, authenticated: boolean): ParseResult {
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
    if (PRIVATE_TYPES.has(type) && !authenticated) return { error: 'INVALID_AUTH' }
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
