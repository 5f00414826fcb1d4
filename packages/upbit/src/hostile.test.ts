import { BackboneError, MAX_ERROR_TEXT_LENGTH, RateLimitError, SubscriptionError } from '@bb/errors'
import { describe, expect, it } from 'vitest'
import { upbit } from './index.js'

const MB = 1024 * 1024

describe('hostile Upbit payloads', () => {
  it('a LIST_SUBSCRIPTIONS reply with null, number and array elements is read, not a TypeError', () => {
    const reply = JSON.parse(
      '{"method":"LIST_SUBSCRIPTIONS","result":[null,7,[],{"type":"trade","codes":["KRW-BTC",null,{"toString":1},5]}],"ticket":"t"}',
    ) as unknown
    expect(upbit.ws.classify(reply)).toEqual({
      type: 'subscriptions',
      subscriptions: [{ channel: 'trade', symbols: ['KRW-BTC', '5'] }],
    })
    expect(
      upbit.ws.classify({ mthd: 'LIST_SUBSCRIPTIONS', rslt: [{ ty: { toString: 1 }, cds: 'x' }] }),
    ).toEqual({
      type: 'subscriptions',
      subscriptions: [{ channel: '', symbols: [] }],
    })
  })

  it('an error frame whose name or message cannot become text is still an error', () => {
    const frame = JSON.parse('{"error":{"name":{"toString":1},"message":["x"]}}') as unknown
    const cls = upbit.ws.classify(frame)
    expect(cls).toEqual({ type: 'error', name: 'UNKNOWN', message: '' })
    if (cls.type !== 'error') throw new Error('expected an error frame')
    expect(SubscriptionError.isInstance(upbit.ws.mapError(cls))).toBe(true)
    expect(BackboneError.isInstance(upbit.ws.mapError(null as never))).toBe(true)
    expect(BackboneError.isInstance(upbit.ws.mapError({ name: 5 } as never))).toBe(true)
  })

  it('inherited names (constructor, __proto__, toString) are no stream type', () => {
    for (const type of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      expect(upbit.ws.classify({ type, code: 'KRW-BTC' })).toEqual({ type: 'unknown' })
      expect(upbit.ws.classify({ ty: type, cd: 'KRW-BTC' })).toEqual({ type: 'unknown' })
    }
  })

  it('a 1 MB error body or frame maps in milliseconds and keeps at most 4 KB of it', () => {
    const hostile = `eyJ-${'eyJ-'.repeat(MB / 4)}`
    const bodies = [
      hostile, // plain text, as Upbit's 429 body
      JSON.stringify({ error: { name: 'invalid_parameter', message: hostile } }),
      JSON.stringify({ error: { name: hostile, message: hostile } }),
    ]
    for (const body of bodies) {
      for (const status of [400, 429, 500]) {
        const start = performance.now()
        const error = upbit.rest.mapError({ status, body, headers: { 'retry-after': '1'.repeat(500) } })
        expect(performance.now() - start).toBeLessThan(2000)
        expect(BackboneError.isInstance(error)).toBe(true)
        expect(error.message.length).toBeLessThan(4 * (MAX_ERROR_TEXT_LENGTH + 100))
        expect(JSON.stringify(error.toJSON()).length).toBeLessThan(4 * (MAX_ERROR_TEXT_LENGTH + 100))
        if (RateLimitError.isInstance(error)) expect(error.retryAfterMs).toBe(86_400_000)
      }
    }
    const start = performance.now()
    const error = upbit.ws.mapError({ name: hostile, message: hostile })
    expect(performance.now() - start).toBeLessThan(2000)
    expect(error.message.length).toBeLessThan(4 * (MAX_ERROR_TEXT_LENGTH + 100))
  })

  it('error bodies of any JSON type map to a typed error', () => {
    for (const body of [
      'null',
      '5',
      '[]',
      '"x"',
      '{"error":null}',
      '{"error":[1]}',
      '{"error":{"name":{"a":1}}}',
      '',
    ]) {
      expect(BackboneError.isInstance(upbit.rest.mapError({ status: 400, body }))).toBe(true)
    }
  })

  it('trailing slashes of a base URL are cut in linear time', () => {
    const request = upbit.rest.endpoints.tickers({ symbols: ['KRW-BTC'] })
    expect(upbit.rest.url(request, 'http://127.0.0.1:1///')).toBe(
      'http://127.0.0.1:1/v1/ticker?markets=KRW-BTC',
    )
    const start = performance.now()
    upbit.rest.url(request, `http://h${'/'.repeat(100_000)}x${'/'.repeat(100_000)}`)
    expect(performance.now() - start).toBeLessThan(2000)
  })
})
