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
