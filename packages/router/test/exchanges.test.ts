import { InvalidRequestError, UnknownSymbolError } from '@bb/errors'
import { createAdapterRegistry, type ExchangeAdapter } from '@bb/exchange-adapter'
import { upbit } from '@bb/upbit'
import { firstValueFrom } from 'rxjs'
import { describe, expect, it } from 'vitest'
import { createBackbone } from '../src/index.js'
import { setup } from './helpers.js'

// The router's core takes an adapter or resolves an id through a registry; the default registry
// (src/defaults.ts, the package's composition root) knows `upbit`, so zero-config use works.
describe('exchanges: an adapter, an id in a registry, or the default', () => {
  it('createBackbone() with no options uses the default registry’s first exchange', async () => {
    const backbone = createBackbone()
    expect(backbone.adapter.id).toBe('upbit')
    await backbone.close()
    const named = createBackbone({ exchange: 'upbit' })
    expect(named.adapter).toBe(upbit)
    await named.close()
  })

  it('resolves an id through the given registry, and takes an adapter object as is', async () => {
    const other: ExchangeAdapter = { ...upbit, id: 'other' }
    const exchanges = createAdapterRegistry([other])
    const byId = createBackbone({ exchange: 'other', exchanges })
    expect(byId.adapter).toBe(other)
    await byId.close()
    const first = createBackbone({ exchanges })
    expect(first.adapter).toBe(other)
    await first.close()
    const direct = createBackbone({ exchange: other })
    expect(direct.adapter).toBe(other)
    await direct.close()
    // The default registry is not consulted when a registry is passed.
    expect(() => createBackbone({ exchange: 'upbit', exchanges })).toThrow(/Unknown exchange "upbit".*other/)
  })

  it('bad input fails clearly: an unknown id, a non-adapter, a non-registry, an empty registry', () => {
    expect(() => createBackbone({ exchange: 'nope' })).toThrow(/Unknown exchange "nope": use one of upbit/)
    expect(() => createBackbone({ exchange: 42 as unknown as string })).toThrow(InvalidRequestError)
    expect(() => createBackbone({ exchanges: {} as never })).toThrow(/exchanges must be an adapter registry/)
    expect(() => createBackbone({ exchanges: createAdapterRegistry([]) })).toThrow(/registry is empty/)
  })

  it("an unknown symbol on a stream: the router's error quotes the adapter's symbol format", async () => {
    const { backbone } = await setup()
    const error = await firstValueFrom(backbone.ticker$(['KRW-NOPE'])).catch((e: unknown) => e)
    expect(UnknownSymbolError.isInstance(error)).toBe(true)
    expect((error as UnknownSymbolError).symbol).toBe('KRW-NOPE')
    expect((error as UnknownSymbolError).shortMessage).toContain(
      `market codes look like ${upbit.symbols.format}`,
    )
  }, 20_000)
})
