import { BackboneError, DataValidationError, InvalidRequestError } from '@bb/errors'
import {
  checkOrderbook,
  createOrderbookState,
  createSnapshotSequencer,
  createStalenessTracker,
  createTradeTracker,
  createUnifier,
  parseExactJson,
} from '@bb/unifier'
import { describe, expect, it } from 'vitest'
import { fixture } from '../__fixtures__/index.js'
import { upbit } from '../index.js'

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

describe('bad input to the stream helpers', () => {
  it.each(BAD)('factories refuse %s as options or option values', (value, label) => {
    if (value !== undefined) expectInvalid(() => createTradeTracker(value as never), 'options', label)
    if (typeof value !== 'boolean')
      expectInvalid(() => createTradeTracker({ contiguousIds: value as never }), 'contiguousIds', label)
    if (value !== 42) expectInvalid(() => createTradeTracker({ memory: value as never }), 'memory', label)
    expectInvalid(() => createSnapshotSequencer(value as never), 'options', label)
    expectInvalid(() => createSnapshotSequencer({ key: value as never, version: () => 1 }), 'key', label)
    expectInvalid(
      () => createSnapshotSequencer({ key: () => 'k', version: value as never }),
      'version',
      label,
    )
    if (value !== 42)
      expectInvalid(
        () => createSnapshotSequencer({ key: () => 'k', version: () => 1, maxBuffered: value as never }),
        'maxBuffered',
        label,
      )
    expectInvalid(() => createStalenessTracker(value as never), 'options', label)
    if (value !== 42)
      expectInvalid(() => createStalenessTracker({ staleAfterMs: value as never }), 'staleAfterMs', label)
    expectInvalid(() => createStalenessTracker({ staleAfterMs: 1, clock: value as never }), 'clock', label)
  })

  it('memory: 0, -1, 1.5 and Infinity are refused, not clamped', () => {
    for (const memory of [0, -1, 1.5, Number.POSITIVE_INFINITY])
      expectInvalid(() => createTradeTracker({ memory }), 'memory', String(memory))
  })

  it.each(BAD)('tracker.push, books.apply and checkOrderbook refuse %s', (value, label) => {
    const tracker = createTradeTracker({ contiguousIds: true })
    expectInvalid(() => tracker.push(value as never), 'trade', label)
    expectInvalid(() => tracker.push({ symbol: value as never, id: '1', timestamp: 1 }), 'symbol', label)
    expectInvalid(() => tracker.push({ symbol: 'KRW-BTC', id: value as never, timestamp: 1 }), 'id', label)
    if (value !== 42)
      expectInvalid(
        () => tracker.push({ symbol: 'KRW-BTC', id: '1', timestamp: value as never }),
        'timestamp',
        label,
      )
    tracker.push({ symbol: 'KRW-BTC', id: '1', timestamp: 1 })
    // contiguous ids are integers: on 02c60f3 a text id made BigInt throw a raw SyntaxError
    expectInvalid(() => tracker.push({ symbol: 'KRW-BTC', id: 'abc', timestamp: 2 }), 'id', '"abc"')
    const books = createOrderbookState()
    expectInvalid(() => books.apply(value as never), 'book', label)
    if (!Array.isArray(value))
      expectInvalid(
        () => books.apply({ marketId: 'KRW-BTC', timestamp: 1, bids: value, asks: [] } as never),
        'bids',
        label,
      )
    expectInvalid(
      () => books.apply({ marketId: value, timestamp: 1, bids: [], asks: [] } as never),
      'marketId',
      label,
    )
    expectInvalid(() => checkOrderbook(value as never), 'book', label)
  })
})
