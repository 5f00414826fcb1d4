import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { adapterShape, checkAdapterShape, conformanceChecks, fixtureExchange } from '@bb/adapter-testing'
import type { ExchangeAdapter } from '@bb/exchange-adapter'
import { describe, expect, it } from 'vitest'

// Every package under packages/ has the one shape (tools/scripts/new-package.mjs makes it), and
// every exchange package (`"backbone": { "exchange": id }`) the one adapter-package shape.
const root = join(import.meta.dirname, '..', '..')
const packages = readdirSync(join(root, 'packages')).map((dir) => {
  const path = join(root, 'packages', dir)
  return { dir, path, json: JSON.parse(readFileSync(join(path, 'package.json'), 'utf8')) }
})
const snapshot = readFileSync(join(import.meta.dirname, '__snapshots__', 'exports.test.ts.snap'), 'utf8')

describe('package shape of packages/*', () => {
  it.each(packages.map((p) => [p.dir, p] as const))('%s', (_dir, { path, json }) => {
    expect(json.type).toBe('module')
    expect(json.sideEffects).toBe(false)
    expect(json.engines?.node).toBe('>=20.19')
    const entry = json.exports?.['.']
    expect(Object.keys(entry ?? {})[0]).toBe('types')
    expect(json.exports['./package.json']).toBe('./package.json')
    expect(json.files).toEqual(expect.arrayContaining(['dist', '!dist/**/*.test.*', '!dist/**/__fixtures__']))
    for (const script of ['build', 'typecheck', 'lint', 'test']) expect(json.scripts?.[script]).toBeTruthy()
    expect(existsSync(join(path, 'tsconfig.build.json'))).toBe(true)
    expect(readFileSync(join(path, 'vitest.config.ts'), 'utf8')).toMatch(/testTimeout/)
    // TSDoc: typedoc builds the package from its entry points (warnings are errors in `pnpm docs`).
    expect(JSON.parse(readFileSync(join(path, 'typedoc.json'), 'utf8')).entryPoints).toContain('src/index.ts')
    // A README with a runnable example, and an export snapshot for every entry point.
    expect(readFileSync(join(path, 'README.md'), 'utf8')).toMatch(/```ts\nimport /)
    for (const subpath of Object.keys(json.exports).filter((s) => s !== './package.json')) {
      const specifier = subpath === '.' ? json.name : `${json.name}${subpath.slice(1)}`
      expect(snapshot).toContain(`> ${specifier} 1`)
    }
  })
})

const exchangePackages = packages.filter((p) => p.json.backbone?.exchange)

/**
 * An adapter's member list without the contract's optional members (an adapter declares them
 * only where the exchange has the feature): `capabilities.diffBook`, a sequenced order book,
 * `rest.signQuery`, a signer of query parameters (for exchanges that sign the query), and
 * `rest.endpoints.myTrades`, the account's own fills (`capabilities.private.myTrades`).
 */
const OPTIONAL_MEMBERS = ['capabilities.diffBook', 'rest.signQuery', 'rest.endpoints.myTrades']
const shapeOf = (adapter: ExchangeAdapter) =>
  adapterShape(adapter).filter((member) => !OPTIONAL_MEMBERS.some((optional) => member.startsWith(optional)))

describe('adapter packages: the same shape as each other and as the kit fixture exchange', () => {
  it('there is at least one exchange package', () => {
    expect(exchangePackages.map((p) => p.json.backbone.exchange)).toContain('upbit')
  })

  it.each(exchangePackages.map((p) => [p.json.name as string, p] as const))(
    '%s',
    async (name, { json, path }) => {
      const id: string = json.backbone.exchange
      const mod = (await import(name)) as Record<string, unknown>
      const factory = `create${id[0]!.toUpperCase()}${id.slice(1)}`
      expect(typeof mod[factory]).toBe('function')
      expect(typeof mod.VERSION).toBe('string')
      const adapter = mod[id] as ExchangeAdapter
      expect(adapter.id).toBe(id)
      expect(checkAdapterShape(adapter)).toEqual([])
      // Two real, different adapters, one member list.
      expect(shapeOf(adapter)).toEqual(shapeOf(fixtureExchange))
      expect(adapter.symbols.format).not.toBe(fixtureExchange.symbols.format)
      expect(adapterShape((mod[factory] as () => ExchangeAdapter)())).toEqual(adapterShape(adapter))
      // Its own fixtures, its own conformance run, its facts written down.
      expect(existsSync(join(path, 'src', '__fixtures__'))).toBe(true)
      expect(
        readdirSync(join(path, 'src')).some((f) => f.includes('conformance') && f.endsWith('.test.ts')),
      ).toBe(true)
      expect(conformanceChecks({ adapter }).length).toBeGreaterThan(3)
    },
  )

  it('the two real adapters, upbit and binance, have one member list and different symbol forms', async () => {
    const names = exchangePackages.map((p) => p.json.backbone.exchange as string)
    expect(names).toEqual(expect.arrayContaining(['upbit', 'binance']))
    const { upbit } = (await import('@bb/upbit')) as { upbit: ExchangeAdapter }
    const { binance } = (await import('@bb/binance')) as { binance: ExchangeAdapter }
    expect(shapeOf(binance)).toEqual(shapeOf(upbit))
    expect(binance.capabilities.diffBook).toBeDefined() // Binance books: snapshot + diffs
    expect(upbit.capabilities.diffBook).toBeUndefined() // Upbit books: whole books
    expect(binance.symbols.normalize('BTC/USDT')).toBe('BTCUSDT')
    expect(upbit.symbols.normalize('BTC/USDT')).toBe('USDT-BTC')
    expect(binance.shapes).not.toEqual(upbit.shapes)
  })

  it('coinone has the same member list, and its symbol is the unified BTC/KRW itself', async () => {
    const { upbit } = (await import('@bb/upbit')) as { upbit: ExchangeAdapter }
    const { coinone } = (await import('@bb/coinone')) as { coinone: ExchangeAdapter }
    expect(adapterShape(coinone)).toEqual(adapterShape(upbit))
    expect(coinone.symbols.normalize('btc')).toBe('BTC/KRW')
    expect(upbit.symbols.normalize('BTC/KRW')).toBe('KRW-BTC')
    expect(coinone.shapes).not.toEqual(upbit.shapes)
  })

  it('the adapter-shape comparison can fail: a missing member changes the shape', () => {
    const upbit = exchangePackages[0]!
    const broken = { ...fixtureExchange, market: { ...fixtureExchange.market, tickSize: undefined } }
    expect(adapterShape(broken as never)).not.toEqual(adapterShape(fixtureExchange))
    expect(upbit).toBeDefined()
  })
})
