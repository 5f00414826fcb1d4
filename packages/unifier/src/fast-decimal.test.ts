import { Decimal } from '@bb/models'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { parseExactJson } from './exact-json.js'
import {
  decimalFromPlainText,
  exactDecimal,
  isFastDecimalEnabled,
  runDecimalSelfCheck,
} from './fast-decimal.js'

const internals = (d: Decimal) => ({ s: d.s, e: d.e, d: [...d.d] })

describe('decimalFromPlainText', () => {
  it('builds the same internals as new Decimal for any plain decimal text', () => {
    const text = fc
      .tuple(fc.boolean(), fc.stringMatching(/^\d{1,25}$/), fc.option(fc.stringMatching(/^\d{1,25}$/)))
      .map(([negative, int, frac]) => `${negative ? '-' : ''}${int}${frac === null ? '' : `.${frac}`}`)
    fc.assert(
      fc.property(text, (value) => {
        const fast = decimalFromPlainText(value)!
        expect(internals(fast)).toEqual(internals(new Decimal(value)))
        expect(fast.toString()).toBe(new Decimal(value).toString())
        expect(Decimal.isDecimal(fast)).toBe(true)
      }),
      { numRuns: 2000 },
    )
  })

  it('hands anything else back', () => {
    for (const text of ['', '-', '1e5', '1.', '.5', '1.2.3', ' 1', 'abc', '0x10', '+1']) {
      expect(decimalFromPlainText(text)).toBeUndefined()
    }
  })

  it('results do arithmetic like any Decimal', () => {
    expect(decimalFromPlainText('0.1')!.plus(decimalFromPlainText('0.2')!).toString()).toBe('0.3')
    expect(decimalFromPlainText('-98000.5')!.abs().toString()).toBe('98000.5')
  })
})

describe('exactDecimal', () => {
  // What the number path must match: the number's shortest text, refused beyond 15 digits.
  const viaText = (value: number) => {
    const text = String(value)
    const digits = text
      .replace(/e.*$/i, '')
      .replace(/[^0-9]/g, '')
      .replace(/^0+/, '')
      .replace(/0+$/, '')
    return digits.length > 15 ? undefined : new Decimal(text)
  }

  it('turns any number into the Decimal of its shortest text, without the text', () => {
    const decimalText = fc
      .tuple(fc.boolean(), fc.stringMatching(/^[1-9]\d{0,14}$/), fc.integer({ min: -20, max: 12 }))
      .map(([negative, digits, shift]) => Number(`${negative ? '-' : ''}${digits}e${shift}`))
    const anyDouble = fc.double({ noNaN: true, noDefaultInfinity: true })
    fc.assert(
      fc.property(fc.oneof(decimalText, anyDouble), (value) => {
        const expected = viaText(value)
        const actual = exactDecimal(value)
        if (expected === undefined) expect(actual).toBeUndefined()
        else {
          expect(actual && internals(actual)).toEqual(internals(expected))
          expect(actual!.toString()).toBe(expected.toString())
        }
      }),
      { numRuns: 5000 },
    )
  })

  it.each([
    [100473000, '100473000'],
    [0.00014208, '0.00014208'],
    [1.16539e8, '116539000'],
    [1e-8, '0.00000001'],
    [-98000, '-98000'],
    [0, '0'],
    ['1.16539E8', '116539000'],
    ['0.00077720', '0.0007772'],
    ['1386929.37231066771348207123', '1386929.37231066771348207123'],
    [12345678901n, '12345678901'],
  ])('%s → %s', (input, expected) => {
    expect(exactDecimal(input)?.toString()).toBe(expected)
  })

  it.each([
    [Number.NaN],
    [Number.POSITIVE_INFINITY],
    [''],
    ['abc'],
    [null],
    [undefined],
    [{}],
    [0.30000000000000004],
  ])('rejects %s', (input) => {
    expect(exactDecimal(input)).toBeUndefined()
  })
})

describe('parseExactJson', () => {
  it('keeps integers beyond 2^53 and long decimals as exact text', () => {
    const value = parseExactJson(
      '{"sid":17877285547970000,"big":1079953210371761700,"b":1386929.37231066771348207123,"p":0.1,"t":1730336862047,"n":-12345678901234567.5,"e":1.2345678901234567E8}',
    ) as Record<string, unknown>
    expect(value.sid).toBe('17877285547970000')
    expect(value.big).toBe('1079953210371761700')
    expect(value.b).toBe('1386929.37231066771348207123')
    expect(value.p).toBe(0.1)
    expect(value.t).toBe(1730336862047)
    expect(value.n).toBe('-12345678901234567.5')
    expect(value.e).toBe('1.2345678901234567E8')
  })

  it('leaves digits inside strings alone, also when they follow a colon', () => {
    const value = parseExactJson(
      '{"id":"x:12345678901234567890","list":[12345678901234567890, 1]}',
    ) as Record<string, unknown>
    expect(value.id).toBe('x:12345678901234567890')
    expect(value.list).toEqual(['12345678901234567890', 1])
  })

  it('keeps exactly the number tokens a double cannot hold as text, anywhere in any JSON', () => {
    // The rule: 16 or more digit/dot characters, unless a plain decimal (a dot, no exponent) of
    // at most 15 significant digits.
    const exact = (t: string): unknown => {
      const mantissa = t.replace(/^-|[eE].*$/g, '')
      if (mantissa.length < 16) return Number(t)
      if (!mantissa.includes('.') || /[eE]/.test(t)) return t
      const significant = mantissa.replace('.', '').replace(/^0+/, '').replace(/0+$/, '').length
      return significant > 15 ? t : Number(t)
    }
    const token = fc
      .tuple(
        fc.boolean(),
        fc.oneof(fc.constant('0'), fc.stringMatching(/^[1-9]\d{0,24}$/)),
        fc.option(fc.stringMatching(/^\d{1,20}$/)),
        fc.option(fc.stringMatching(/^[eE][+-]?[1-9]$/)),
      )
      .map(
        ([negative, int, frac, exp]) =>
          `${negative ? '-' : ''}${int}${frac === null ? '' : `.${frac}`}${exp ?? ''}`,
      )
    const ws = fc.constantFrom('', ' ', '\n  ', '\t')
    // A value: a number token, a string (digits and colons too), or an array of number tokens.
    const value = fc.oneof(
      token.map((t) => ({
        text: t,
        expected: exact(t),
      })),
      fc
        .oneof(
          fc.stringMatching(/^[0-9a-z:,.[ -]{0,30}$/),
          // digit runs after a colon inside a string send the parser down its careful path
          fc.constantFrom('x:12345678901234567890', 'a, 1234567890123456.5', '[12345678901234567e5'),
        )
        .map((t) => ({ text: JSON.stringify(t), expected: t as unknown })),
      fc.array(token, { maxLength: 4 }).chain((list) =>
        ws.map((w) => ({
          text: `[${list.join(`,${w}`)}]`,
          expected: list.map(exact) as unknown,
        })),
      ),
    )
    const entries = fc.uniqueArray(fc.tuple(fc.stringMatching(/^[a-z_]{1,12}$/), value, ws), {
      maxLength: 20,
      selector: ([key]) => key,
    })
    fc.assert(
      fc.property(entries, (list) => {
        const text = `{${list.map(([key, v, w]) => `${w}"${key}"${w}:${w}${v.text}`).join(',')}}`
        const expected = Object.fromEntries(list.map(([key, v]) => [key, v.expected]))
        expect(parseExactJson(text)).toEqual(expected)
      }),
      { numRuns: 3000 },
    )
  })

  it("a field's result depends on its own token only, not on an unrelated string (#13)", () => {
    // On 02c60f3 the second payload took the careful path, which quoted every 16-digit token.
    const plain = parseExactJson('{"p":100571000.00000000,"s":"x"}') as Record<string, unknown>
    const hostile = parseExactJson('{"p":100571000.00000000,"s":"x:12345678901234567890"}') as Record<
      string,
      unknown
    >
    expect(plain.p).toBe(100571000)
    expect(hostile.p).toBe(100571000)
    expect(hostile.s).toBe('x:12345678901234567890')
    const e1 = parseExactJson('{"e":12345678901234.5e3}') as Record<string, unknown>
    const e2 = parseExactJson('{"e":12345678901234.5e3,"s":"x:12345678901234567890"}') as Record<
      string,
      unknown
    >
    expect(e2.e).toBe(e1.e)
  })

  it('reads pretty-printed JSON', () => {
    expect(parseExactJson('{ "a" : 17877285547970000 }')).toEqual({ a: '17877285547970000' })
  })

  it('throws DataValidationError for invalid JSON', () => {
    expect(() => parseExactJson('{"a":')).toThrow(/not valid JSON/)
    expect(() => parseExactJson('{"a":12345678901234567890')).toThrow(/not valid JSON/)
  })
})

describe('start-up self-check of the fast path', () => {
  it('passes with the pinned decimal.js, whose version is the one the layout was written for', async () => {
    expect(isFastDecimalEnabled()).toBe(true)
    expect(runDecimalSelfCheck()).toBe(true)
    const { createRequire } = await import('node:module')
    const require = createRequire(import.meta.url)
    const installed = (require('decimal.js/package.json') as { version: string }).version
    const declared = (require('../package.json') as { dependencies: Record<string, string> }).dependencies[
      'decimal.js'
    ]
    // an exact pin (no ^ or ~), and the installed copy is that version
    expect(declared).toMatch(/^\d+\.\d+\.\d+$/)
    expect(installed).toBe(declared)
  })

  // A decimal.js release that changed its private layout, simulated by a reference constructor.
  const changedLayouts: Record<string, (text: string) => Decimal> = {
    'a new field': (text) => Object.assign(new Decimal(text), { precisionHint: 0 }),
    'words of 14 digits': (text) => {
      const d = new Decimal(text)
      const merged: number[] = []
      for (let i = 0; i < d.d.length; i += 2) merged.push(d.d[i]! * 1e7 + (d.d[i + 1] ?? 0))
      return Object.assign(Object.create(Object.getPrototypeOf(d)), {
        constructor: d.constructor,
        s: d.s,
        e: d.e,
        d: merged,
      }) as Decimal
    },
    'a throwing constructor': () => {
      throw new Error('changed API')
    },
  }

  it.each(Object.entries(changedLayouts))(
    'falls back to new Decimal(text) on a mismatch: %s',
    (_name, reference) => {
      try {
        expect(runDecimalSelfCheck(reference)).toBe(false)
        expect(isFastDecimalEnabled()).toBe(false)
        // Every path now builds through the decimal.js constructor, with the same results.
        for (const value of [0, 7, 100473000, 0.00014208, -98000.5, 123456789012345, 1e21, 0.1 + 0.2]) {
          const slow = exactDecimal(value)
          const viaText = String(value)
            .replace(/e.*$/, '')
            .replace(/\D/g, '')
            .replace(/^0+|0+$/g, '').length
          if (viaText > 15) expect(slow).toBeUndefined()
          else expect(slow!.eq(new Decimal(String(value)))).toBe(true)
        }
        for (const text of [
          '0.00000001',
          '-0.5',
          '1386929.37231066771348207123',
          '17877285547970000123',
          '1.16539E8',
        ]) {
          const slow = exactDecimal(text)!
          expect(internals(slow)).toEqual(internals(new Decimal(text)))
          expect(internals(decimalFromPlainText('0.00014208')!)).toEqual(internals(new Decimal('0.00014208')))
        }
        expect(exactDecimal('abc')).toBeUndefined()
        expect(exactDecimal(Number.NaN)).toBeUndefined()
        expect(decimalFromPlainText('1e5')).toBeUndefined()
      } finally {
        expect(runDecimalSelfCheck()).toBe(true)
      }
    },
  )
})
