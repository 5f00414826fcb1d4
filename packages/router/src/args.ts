import { describeValue, InvalidRequestError } from '@bb/errors'
import type { LatestStreamOptions } from './types.js'

/** Checks a `symbols` argument: one market code or a non-empty list of them. */
export function symbolList(symbols: unknown): string[] {
  const out = typeof symbols === 'string' ? [symbols] : Array.isArray(symbols) ? [...symbols] : undefined
  if (!out) {
    throw new InvalidRequestError({
      param: 'symbols',
      message: `symbols must be a market code or a list of them, got ${describeValue(symbols)}.`,
    })
  }
  if (out.length === 0) {
    throw new InvalidRequestError({
      param: 'symbols',
      message: 'symbols is an empty list: name at least one market.',
    })
  }
  for (const s of out) {
    if (typeof s !== 'string') {
      throw new InvalidRequestError({
        param: 'symbols',
        message: `every symbol must be a string, got ${describeValue(s)}.`,
      })
    }
  }
  return out
}

/** Checks a `symbol` argument: one string. */
export function symbolString(value: unknown): string {
  if (typeof value !== 'string') {
    throw new InvalidRequestError({
      param: 'symbol',
      message: `symbol must be a string, got ${describeValue(value)}.`,
    })
  }
  return value
}

/** Checks an optional positive integer option. */
export function positiveInteger(
  name: string,
  value: unknown,
  max = Number.MAX_SAFE_INTEGER,
): number | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    throw new InvalidRequestError({
      param: name,
      message: `${name} must be an integer from 1 to ${max}, got ${describeValue(value)}.`,
    })
  }
  return value
}

/** Checks that options are an object (or absent). */
export function optionsObject<T extends object>(name: string, value: T | undefined | null): T {
  if (value === undefined) return {} as T
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidRequestError({
      param: name,
      message: `${name} must be an object, got ${describeValue(value)}.`,
    })
  }
  return value
}

/** Checks a `signal` option. */
export function signalOption(value: unknown): AbortSignal | undefined {
  if (value === undefined) return undefined
  if (!(value instanceof AbortSignal)) {
    throw new InvalidRequestError({
      param: 'signal',
      message: `signal must be an AbortSignal, got ${describeValue(value)}.`,
    })
  }
  return value
}

/** Checks the options of a latest-value stream and keeps only the known ones. */
export function latestOptions(o: LatestStreamOptions): LatestStreamOptions {
  if (o.conflate !== undefined && o.conflate !== 'latest') {
    throw new InvalidRequestError({
      param: 'conflate',
      message: `conflate must be 'latest' or absent, got ${describeValue(o.conflate)}.`,
    })
  }
  return o.conflate ? { conflate: o.conflate } : {}
}

/** Checks a candle stream's `history` option. */
export function historyOption(history: unknown): void {
  if (history !== undefined && !(typeof history === 'number' && Number.isInteger(history) && history >= 0)) {
    throw new InvalidRequestError({
      param: 'history',
      message: `history must be an integer >= 0, got ${describeValue(history)}.`,
    })
  }
}
