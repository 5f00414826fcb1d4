// boundaries: ignore-file (this test writes fixtures on purpose)
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
// @ts-expect-error plain ESM script without types
import { checkGraph } from './check-boundaries.mjs'
// @ts-expect-error plain ESM script without types
import { checkNeutral } from './check-neutral.mjs'

const root = mkdtempSync(join(tmpdir(), 'bb-neutral-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))

function write(path: string, content: string) {
  const full = join(root, path)
  mkdirSync(dirname(full), { recursive: true })
  writeFileSync(full, content)
}

describe('check-neutral', () => {
  it('reports an exchange name in a neutral source file, not in its tests, fixtures or pending files', () => {
    write('packages/core/src/index.ts', "export const a = 1\n// the fee of upbit\nexport const q = 'KRW'\n")
    write('packages/core/src/index.test.ts', "const s = 'KRW-BTC'\n")
    write('packages/core/src/__fixtures__/x.ts', "const s = 'QUOTE-BASE'\n")
    write('packages/core/src/old.ts', "const s = 'Upbit'\n")
    write('packages/other/src/index.ts', "const s = 'Upbit'\n")
    const problems: string[] = checkNeutral(root, ['packages/core'], { 'packages/core/src/old.ts': 'debt' })
    expect(problems).toHaveLength(2)
    expect(problems[0]).toMatch(/^packages\/core\/src\/index\.ts:2: "upbit"/)
    expect(problems[1]).toMatch(/^packages\/core\/src\/index\.ts:3: "KRW"/)
  })

  it('passes on this repository', () => {
    expect(checkNeutral(join(import.meta.dirname, '..', '..'))).toEqual([])
  })
})

describe('the package graph points one way', () => {
  const pkg = (dir: string, json: object) => ({ dir: join(root, dir), json })
  it('reports a cycle, dev dependencies included, and a neutral package depending on an exchange package', () => {
    const problems: string[] = checkGraph([
      pkg('packages/models', { name: '@x/models' }),
      pkg('packages/unifier', { name: '@x/unifier', devDependencies: { '@x/upbit': 'workspace:*' } }),
      pkg('packages/upbit', {
        name: '@x/upbit',
        backbone: { exchange: 'upbit' },
        dependencies: { '@x/models': 'workspace:*' },
        devDependencies: { '@x/unifier': 'workspace:*' },
      }),
    ])
    expect(problems).toContain('dependency cycle: @x/unifier → @x/upbit → @x/unifier')
    expect(problems).toContain('@x/unifier is exchange-neutral but depends on the exchange package @x/upbit')
  })
})
