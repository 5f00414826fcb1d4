import { BackboneError, DataValidationError, InvalidRequestError } from '@bb/errors'
import { upbit } from '@bb/exchange-adapter'
import { describe, expect, it } from 'vitest'
import { fixture } from './__fixtures__/upbit/index.js'
import { createUnifier, parseExactJson } from './index.js'

const BAD: readonly (readonly [unknown, string])[] = [
  [null, 'null'],
  [12n, '12n'],
  [Number.NaN, 'NaN'],
  ['', '""'],
  [42, '42'],
  [Symbol('s'), 'Symbol(s)'],
  [[], '[]'],
]

function thrown(run: () => unknown): unknown {
  try {
    run()
  } catch (error) {
    return error
  }
  throw new Error('expected a throw')
}

function expectInvalid(run: () => unknown, param: string, label: string): void {
  const error = thrown(run)
  expect(InvalidRequestError.isInstance(error), String(error)).toBe(true)
  expect((error as InvalidRequestError).param).toBe(param)
  expect((error as Error).message).toContain(label)
}

describe('bad input to the unifier entry points', () => {
  const unifier = createUnifier(upbit)
  const ticker = fixture('rest-ticker')

  it.each(BAD)('createUnifier(%s) and bad options → InvalidRequestError', (value, label) => {
    expectInvalid(() => createUnifier(value as never), 'adapter', label)
    if (value !== undefined) expectInvalid(() => createUnifier(upbit, value as never), 'options', label)
    expectInvalid(() => createUnifier(upbit, { validate: value as never }), 'validate', label)
    expectInvalid(() => createUnifier(upbit, { clock: value as never }), 'clock', label)
  })

  it.each(BAD)(
    'normalize / normalizeAll with kind, context, source, receivedAt, shape, interval %s',
    (value, label) => {
      for (const run of [unifier.normalize, unifier.normalizeAll]) {
        expectInvalid(() => run(value as never, ticker, { source: 'rest' }), 'kind', label)
        expectInvalid(() => run('ticker', ticker, value as never), 'context', label)
        expectInvalid(() => run('ticker', ticker, { source: value as never }), 'source', label)
        if (value !== 42)
          expectInvalid(
            () => run('ticker', ticker, { source: 'rest', receivedAt: value as never }),
            'receivedAt',
            label,
          )
        expectInvalid(() => run('ticker', ticker, { source: 'rest', shape: value as never }), 'shape', label)
        expectInvalid(
          () => run('candle', ticker, { source: 'rest', interval: value as never }),
          'interval',
          label,
        )
      }
    },
  )

  it.each(BAD)('normalizeFrame with context %s', (value, label) => {
    const frame = fixture('ws-trade-simple')
    expectInvalid(() => unifier.normalizeFrame(frame, value as never), 'context', label)
    if (value !== 42)
      expectInvalid(() => unifier.normalizeFrame(frame, { receivedAt: value as never }), 'receivedAt', label)
    expectInvalid(() => unifier.normalizeFrame(frame, { source: value as never }), 'source', label)
  })

  it.each([...BAD, [undefined, 'undefined'], [{}, 'object']] as const)(
    'parseExactJson(%s) and normalizeFrame(%s) → DataValidationError',
    (value) => {
      const a = thrown(() => parseExactJson(value as never))
      expect(DataValidationError.isInstance(a)).toBe(true)
      if (typeof value === 'string') return
      expect((a as Error).message).toContain(typeof value)
      const b = thrown(() => unifier.normalizeFrame(value as never))
      expect(DataValidationError.isInstance(b)).toBe(true)
    },
  )

  it('wrong raw payloads are DataValidationErrors naming the field', () => {
    for (const raw of [null, 5, 'x', '[1', [null], {}, { market: 12n }]) {
      const error = thrown(() => unifier.normalize('ticker', raw, { source: 'rest' }))
      expect(BackboneError.isInstance(error)).toBe(true)
      expect(DataValidationError.isInstance(error)).toBe(true)
    }
  })

  it('a price beyond the range of a double or of decimal.js is a DataValidationError, not Infinity', () => {
    const frame = (tp: string) =>
      `{"ty":"trade","cd":"KRW-BTC","tp":${tp},"tv":0.00014208,"ab":"BID","sid":17303368620470000,"ttms":1730336862047,"tms":1730336862082,"st":"REALTIME"}`
    for (const validate of ['fast', 'strict'] as const) {
      const u = createUnifier(upbit, { validate })
      for (const tp of ['1e400', '-1e400', '"1e9000000000000001"', '"1e-9000000000000001"', '1e-400']) {
        const error = thrown(() => u.normalizeFrame(frame(tp), { receivedAt: 1 }))
        expect(DataValidationError.isInstance(error), `${validate} ${tp}: ${String(error)}`).toBe(true)
        expect((error as DataValidationError).path).toBe('tp')
      }
      const infinite = thrown(() => u.normalizeFrame(frame('1e400'), { receivedAt: 1 })) as Error
      expect(infinite.message).toContain('not a finite number')
    }
  })
})
