import { InvalidRequestError } from '@bb/errors'
import { describe, expect, it } from 'vitest'
import {
  historyOption,
  latestOptions,
  optionsObject,
  positiveInteger,
  signalOption,
  symbolList,
  symbolString,
} from '../../src/args.js'

const refused = (fn: () => unknown, pattern: RegExp) => {
  expect(fn).toThrow(InvalidRequestError)
  expect(fn).toThrow(pattern)
}

describe('argument checks: typed errors naming the bad value', () => {
  it('symbols: a code or a non-empty list of strings', () => {
    expect(symbolList('KRW-BTC')).toEqual(['KRW-BTC'])
    expect(symbolList(['KRW-BTC', 'KRW-ETH'])).toEqual(['KRW-BTC', 'KRW-ETH'])
    refused(() => symbolList(42), /42/)
    refused(() => symbolList([]), /empty list/)
    refused(() => symbolList(['KRW-BTC', null]), /null/)
    expect(symbolString('KRW-BTC')).toBe('KRW-BTC')
    refused(() => symbolString({}), /symbol must be a string/)
  })

  it('numbers, options, signals, conflation and history', () => {
    expect(positiveInteger('depth', undefined)).toBeUndefined()
    expect(positiveInteger('depth', 5, 30)).toBe(5)
    refused(() => positiveInteger('depth', 31, 30), /depth must be an integer from 1 to 30, got 31/)
    refused(() => positiveInteger('depth', 1.5), /1\.5/)
    expect(optionsObject('options', undefined)).toEqual({})
    refused(() => optionsObject('options', [] as never), /options must be an object/)
    expect(signalOption(undefined)).toBeUndefined()
    refused(() => signalOption('abort'), /signal must be an AbortSignal/)
    expect(latestOptions({ conflate: 'latest', signal: AbortSignal.abort() })).toEqual({ conflate: 'latest' })
    refused(() => latestOptions({ conflate: 'all' as never }), /"all"/)
    expect(() => historyOption(0)).not.toThrow()
    refused(() => historyOption(-1), /history must be an integer >= 0, got -1/)
  })
})
