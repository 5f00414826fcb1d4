import { InvalidRequestError } from '@bb/errors'
import { describe, expect, it } from 'vitest'
import { createAdapterRegistry, type ExchangeAdapter } from './index.js'

// Two stand-in adapters: the registry only reads `id` and checks the contract's top members.
const stub = (id: string) =>
  ({ id, name: id, rest: {}, ws: {}, fieldMaps: {}, symbols: {} }) as unknown as ExchangeAdapter

function thrown(run: () => unknown): InvalidRequestError {
  try {
    run()
  } catch (error) {
    if (InvalidRequestError.isInstance(error)) return error
    throw error
  }
  throw new Error('expected a throw')
}

describe('adapter registry', () => {
  const a = stub('alpha')
  const b = stub('beta')
  const registry = createAdapterRegistry([a, b])

  it('finds adapters by id, in registration order, and passes adapter objects through', () => {
    expect(registry.ids).toEqual(['alpha', 'beta'])
    expect(registry.get('beta')).toBe(b)
    expect(registry.has('alpha')).toBe(true)
    expect(registry.has('gamma')).toBe(false)
    expect(registry.resolve('alpha')).toBe(a)
    expect(registry.resolve(b)).toBe(b)
    expect(registry.byId.alpha).toBe(a)
    expect(Object.isFrozen(registry.byId)).toBe(true)
  })

  it('an unknown id is an InvalidRequestError naming it and the known ones', () => {
    const error = thrown(() => registry.get('gamma'))
    expect(error.param).toBe('exchange')
    expect(error.message).toContain('"gamma"')
    expect(error.message).toContain('alpha, beta')
    expect(thrown(() => registry.resolve(42 as never)).param).toBe('exchange')
    // Inherited names are not adapters.
    expect(thrown(() => registry.get('constructor')).param).toBe('exchange')
  })

  it('refuses a non-adapter and two adapters with one id', () => {
    expect(thrown(() => createAdapterRegistry([a, a])).message).toContain('"alpha"')
    expect(thrown(() => createAdapterRegistry([{} as never])).param).toBe('adapters')
    expect(thrown(() => createAdapterRegistry('alpha' as never)).param).toBe('adapters')
  })
})
