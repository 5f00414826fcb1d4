import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
// @ts-expect-error plain ESM script without types
import { entrySource, publicPackages } from './check-packages.mjs'

describe('check-packages', () => {
  it('lists every public package with each subpath it exports (never package.json)', () => {
    const packages: { name: string; specifiers: string[] }[] = publicPackages(
      join(import.meta.dirname, '..', '..'),
    )
    const specifiers = packages.flatMap((p) => p.specifiers)
    expect(packages.map((p) => p.name)).toEqual(
      expect.arrayContaining(['@bb/models', '@bb/router', '@bb/sim']),
    )
    expect(specifiers).toContain('@bb/adapter-testing')
    expect(specifiers).toContain('@bb/sim/worker')
    expect(specifiers.some((s) => s.endsWith('package.json'))).toBe(false)
  })

  it('writes an ESM entry that imports each specifier and fails on one that exports nothing', () => {
    const source: string = entrySource(['@bb/models', '@bb/sim/worker'])
    expect(source).toContain("import * as m0 from '@bb/models'")
    expect(source).toContain("import * as m1 from '@bb/sim/worker'")
    expect(source).toContain('exports nothing')
  })
})
