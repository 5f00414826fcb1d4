// boundaries: ignore-file (this test writes violating fixtures on purpose)
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
// @ts-expect-error plain ESM script without types
import { checkBoundaries } from './check-boundaries.mjs'

const root = mkdtempSync(join(tmpdir(), 'bb-boundaries-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))

function write(path: string, content: string | object) {
  const full = join(root, path)
  mkdirSync(dirname(full), { recursive: true })
  writeFileSync(full, typeof content === 'string' ? content : JSON.stringify(content))
}

describe('check-boundaries', () => {
  it('reports deep imports, escaping relative imports and undeclared workspace deps', () => {
    write('packages/models/package.json', {
      name: '@bb/models',
      exports: { '.': './dist/index.js', './package.json': './package.json' },
    })
    write('packages/models/src/index.ts', 'export const x = 1\n')
    write('packages/adapter/package.json', {
      name: '@bb/adapter',
      exports: { '.': './dist/index.js', './testing': './dist/testing.js' },
      dependencies: { '@bb/models': 'workspace:*' },
    })
    write(
      'packages/adapter/src/index.ts',
      [
        "import { x } from '@bb/models'",
        "import { y } from '@bb/models/src/index.js'",
        "import { z } from '../../models/src/index.js'",
        "export { w } from './local.js'",
        "const later = await import('@bb/models/dist/index.js')",
        "/** @example import { nope } from '@bb/undeclared' */",
        "// import { alsoNope } from '@bb/undeclared'",
        "const url = 'ws://127.0.0.1/websocket/v1'",
      ].join('\n'),
    )
    write('packages/adapter/src/local.ts', 'export const w = 1\n')
    write('apps/cli/package.json', { name: '@bb/cli', dependencies: {} })
    write(
      'apps/cli/src/main.ts',
      "import { t } from '@bb/adapter/testing'\nimport { s } from '@bb/adapter/nope'\n",
    )

    const problems: string[] = checkBoundaries(root)
    expect(problems).toHaveLength(6)
    expect(problems.filter((p) => p.includes('deep import'))).toHaveLength(3)
    expect(problems.some((p) => p.includes('"@bb/models/src/index.js"'))).toBe(true)
    expect(problems.some((p) => p.includes('"@bb/models/dist/index.js"'))).toBe(true)
    expect(problems.some((p) => p.includes('"@bb/adapter/nope"'))).toBe(true)
    expect(problems.some((p) => p.includes('relative import "../../models/src/index.js"'))).toBe(true)
    expect(problems.filter((p) => p.includes('does not declare'))).toHaveLength(2)
  })

  it('passes on this repository', () => {
    expect(checkBoundaries(join(import.meta.dirname, '..', '..'))).toEqual([])
  })
})
