import type { BinanceSymbol } from './catalog.js'

/** A price on the wire: 8 decimals, as Binance prints them (`"73238.70000000"`). */
export function px(x: number): string {
  return x.toFixed(8)
}

/** A base quantity rounded to the symbol's `stepSize` (at least one step), 8 decimals. */
export function qty(s: BinanceSymbol, v: number): string {
  return qtyNumber(s, v).toFixed(8)
}

/** The base quantity rounded to `stepSize` as a number. */
function qtyNumber(s: BinanceSymbol, v: number): number {
  const step = Number(s.stepSize)
  const n = Math.max(1, Math.round(v / step))
  return Number((n * step).toFixed(s.stepDecimals))
}

/** A derived amount (volume, quote volume): 8 decimals. */
export function amt(x: number): string {
  return x.toFixed(8)
}

/** JSON text of a value whose ids may be bigints (written as plain digits, beyond 2^53). */
export function toJson(value: unknown): string {
  const text = JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? `\u0000big${v}` : v))
  return text.includes('\\u0000big') ? text.replace(/"\\u0000big(-?\d+)"/g, '$1') : text
}

/** Trade ids on the wire: the model's id plus an offset (a bigint when one is configured). */
export interface IdWire {
  /** The wire form of an internal id (`-1` stays `-1`). */
  out(id: number): number | bigint
  /** The internal id of a wire id given as decimal text. */
  in(text: string): number
}

/** An id mapping with an optional bigint offset. */
export function idWire(offset: bigint | undefined): IdWire {
  if (offset === undefined || offset === 0n) return { out: (id) => id, in: (text) => Number(text) }
  return { out: (id) => (id === -1 ? -1 : BigInt(id) + offset), in: (text) => Number(BigInt(text) - offset) }
}

/** A REST / stream error of the Binance profile: HTTP status and Binance's `{code,msg}`. */
export class BinanceError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
  ) {
    super(message)
    this.name = 'BinanceError'
  }

  /** The body Binance sends. */
  body(): string {
    return JSON.stringify({ code: this.code, msg: this.message })
  }
}
