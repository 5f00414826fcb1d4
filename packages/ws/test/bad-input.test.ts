import { BackboneError, InvalidRequestError } from '@bb/errors'
import { upbit } from '@bb/upbit'
import type { Observable } from 'rxjs'
import { describe, expect, it } from 'vitest'
import { createWsClient, type WsClient } from '../src/index.js'

/** What a call threw, or the error its stream emitted (bounded). */
async function failure(make: () => Observable<unknown>): Promise<unknown> {
  let stream: Observable<unknown>
  try {
    stream = make()
  } catch (error) {
    return error
  }
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(new Error('no error within 2 s')), 2000)
    const sub = stream.subscribe({
      error: (e) => {
        clearTimeout(timer)
        resolve(e)
      },
    })
    setTimeout(() => sub.unsubscribe(), 2100)
  })
}

const CASES: [string, (c: WsClient) => Observable<unknown>, RegExp][] = [
  ['trades$([])', (c) => c.trades$([]), /at least one market/],
  ['trades$(null)', (c) => c.trades$(null as never), /null/],
  ['trades$(42)', (c) => c.trades$(42 as never), /42/],
  ['trades$([1])', (c) => c.trades$([1 as never]), /1/],
  ['ticker$("nope")', (c) => c.ticker$('nope'), /nope/],
  ['orderbookEvents$({})', (c) => c.orderbookEvents$({} as never), /\{\}/],
]

describe('bad input to the stream methods: a typed error naming the value', () => {
  it.each(CASES)('%s', async (_name, make, names) => {
    const client = createWsClient({ adapter: upbit, url: 'ws://127.0.0.1:9' })
    try {
      const error = await failure(() => make(client))
      expect(error).toBeInstanceOf(InvalidRequestError)
      expect(BackboneError.isInstance(error)).toBe(true)
      expect((error as Error).message).toMatch(names)
    } finally {
      await client.close()
    }
  })
})
