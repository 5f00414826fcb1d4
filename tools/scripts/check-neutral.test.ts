// boundaries: ignore-file (this test writes fixtures on purpose)
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the test feeds source text with template literals to the comment stripper
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import ts from 'typescript'
import { afterAll, describe, expect, it } from 'vitest'
// @ts-expect-error plain ESM script without types
import { checkBoundaries, checkGraph } from './check-boundaries.mjs'
// @ts-expect-error plain ESM script without types
import { checkNeutral, stripComments } from './check-neutral.mjs'

const root = mkdtempSync(join(tmpdir(), 'bb-neutral-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))

function write(path: string, content: string) {
  const full = join(root, path)
  mkdirSync(dirname(full), { recursive: true })
  writeFileSync(full, content)
}

// The rule: the check reads CODE, not prose. Comments (line and block, TSDoc included) are
// documentation — typedoc renders them and their examples may import a concrete exchange — so
// they are blanked before the check; string and template literals are code and are checked.
describe('check-neutral', () => {
  it('reports an exchange name in the code of a neutral source file, not in its tests, fixtures or pending files', () => {
    write(
      'packages/core/src/index.ts',
      "export const a = 1\nexport const e = 'upbit'\nexport const q = 'KRW'\n",
    )
    write('packages/core/src/index.test.ts', "const s = 'KRW-BTC'\n")
    write('packages/core/src/__fixtures__/x.ts', "const s = 'QUOTE-BASE'\n")
    write('packages/core/src/old.ts', "const s = 'Upbit'\n")
    write('packages/other/src/index.ts', "const s = 'Upbit'\n")
    const problems: string[] = checkNeutral(
      root,
      ['packages/core'],
      { 'packages/core/src/old.ts': 'debt' },
      {},
    )
    expect(problems).toHaveLength(2)
    expect(problems[0]).toMatch(/^packages\/core\/src\/index\.ts:2: "upbit"/)
    expect(problems[1]).toMatch(/^packages\/core\/src\/index\.ts:3: "KRW"/)
  })

  it('lets a comment name an exchange: line, block and TSDoc comments are documentation', () => {
    write(
      'packages/docs/src/index.ts',
      [
        '// the fee of upbit',
        '/**',
        ' * @example',
        ' * ```ts',
        " * import { upbit } from '@bb/upbit'",
        " * createBackbone({ exchange: upbit }).getTicker('KRW-BTC')",
        ' * ```',
        ' */',
        'export const a = 1 /* QUOTE-BASE */ + 2 // KRW',
        '',
      ].join('\n'),
    )
    expect(checkNeutral(root, ['packages/docs'], {}, {})).toEqual([])
  })

  it("fails a string literal such as 'KRW-BTC' in code, and a template literal, on its own line", () => {
    write(
      'packages/lit/src/index.ts',
      [
        '/** A default market. */',
        "export const symbol = 'KRW-BTC' // a comment after the code does not hide it",
        'export const message = `market codes look like ${symbol}, e.g. ${"upbit"}`',
        'export const url = `https://x//${`nested ${1}`}/Upbit`',
        '',
      ].join('\n'),
    )
    const problems: string[] = checkNeutral(root, ['packages/lit'], {}, {})
    expect(problems.map((p) => p.split(': "')[0])).toEqual([
      'packages/lit/src/index.ts:2',
      'packages/lit/src/index.ts:3',
      'packages/lit/src/index.ts:4',
    ])
    expect(problems[0]).toContain("export const symbol = 'KRW-BTC'")
  })

  it("fails one exchange's order types in code: ord_type, a 'price'/'best' order, a list of them; not a price event", () => {
    write(
      'packages/orders/src/index.ts',
      [
        "export const TYPES = ['limit', 'price', 'market', 'best'] as const",
        "export const buy = { symbol: 'X', side: 'buy', type: 'price', price: '1' }",
        'export const multiLine = {',
        "  side: 'sell',",
        "  type: 'best',",
        '}',
        "export const wire = { ord_type: 'limit' }",
        "// a comment may say ord_type and type: 'price', price",
        "export const event = { type: 'price', symbol: 'X', price: 1 }",
        "export const neutral = { side: 'buy', type: 'market', cost: '1' }",
        "export const ok = (type: string) => type === 'limit' || given('price')",
        '',
      ].join('\n'),
    )
    const problems: string[] = checkNeutral(root, ['packages/orders'], {}, {})
    expect(problems.map((p) => p.split(': "')[0])).toEqual([
      'packages/orders/src/index.ts:1',
      'packages/orders/src/index.ts:2',
      'packages/orders/src/index.ts:4',
      'packages/orders/src/index.ts:7',
    ])
    expect(problems[0]).toContain("one exchange's order type")
  })

  it('is not confused by // or /* inside strings, URLs, templates and regular expressions', () => {
    const code = [
      "const a = 'https://x//y' + \"//z\" + 'krw' // KRW",
      'const b = `//${a}/*`',
      'const c = /\\/*upbit/.test(a) ? 1 / 2 : 3 / 4 /* KRW */',
      'const d = "it\'s /* not a comment */ upbit"',
      '',
    ].join('\n')
    const stripped: string = stripComments(code)
    expect(stripped.split('\n')).toEqual([
      "const a = 'https://x//y' + \"//z\" + 'krw'       ",
      'const b = `//${a}/*`',
      'const c = /\\/*upbit/.test(a) ? 1 / 2 : 3 / 4          ',
      'const d = "it\'s /* not a comment */ upbit"',
      '',
    ])
    write('packages/url/src/index.ts', "export const base = 'https://x//y' // upbit\n")
    expect(checkNeutral(root, ['packages/url'], {}, {})).toEqual([])
  })

  it('keeps line numbers: a multi-line block comment keeps its newlines', () => {
    expect(stripComments('/* a\nb\n*/x\n//y\nz')).toBe('    \n \n  x\n   \nz')
  })

  it('agrees with the TypeScript parser on every source file of the repository: every token kept, every comment blanked', () => {
    const repo = join(import.meta.dirname, '..', '..')
    const files = execFileSync(
      'git',
      ['ls-files', 'packages/*/src/**.ts', 'apps/*/src/**.ts', 'apps/*/src/**.tsx'],
      {
        cwd: repo,
        encoding: 'utf8',
      },
    )
      .split('\n')
      .filter(Boolean)
    expect(files.length).toBeGreaterThan(50)
    const problems: string[] = []
    for (const file of files) {
      const text = readFileSync(join(repo, file), 'utf8')
      const out: string = stripComments(text)
      expect(out.length).toBe(text.length)
      const kind = file.endsWith('.tsx') ? ts.ScriptKind.TSX : ts.ScriptKind.TS
      const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, kind)
      const visit = (node: ts.Node): void => {
        const ranges = [
          ...(ts.getLeadingCommentRanges(text, node.getFullStart()) ?? []),
          ...(ts.getTrailingCommentRanges(text, node.getEnd()) ?? []),
        ]
        for (const r of ranges)
          if (out.slice(r.pos, r.end).trim() !== '')
            problems.push(`${file}: comment kept ${text.slice(r.pos, r.end)}`)
        if (node.kind >= ts.SyntaxKind.FirstJSDocNode && node.kind <= ts.SyntaxKind.LastJSDocNode) return
        const children = node.getChildren()
        if (
          children.length === 0 &&
          node.kind !== ts.SyntaxKind.JsxText &&
          node.kind !== ts.SyntaxKind.EndOfFileToken
        ) {
          const [start, end] = [node.getStart(), node.getEnd()]
          if (out.slice(start, end) !== text.slice(start, end))
            problems.push(`${file}: token changed ${text.slice(start, end)}`)
        }
        children.forEach(visit)
      }
      visit(source)
    }
    expect(problems).toEqual([])
  }, 60_000)

  it('exempts a composition root named in its own list', () => {
    write('packages/wired/src/defaults.ts', "import { upbit } from '@bb/upbit'\n")
    expect(checkNeutral(root, ['packages/wired'], {}, {})).toHaveLength(1)
    expect(checkNeutral(root, ['packages/wired'], {}, { 'packages/wired/src/defaults.ts': 'why' })).toEqual(
      [],
    )
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

  it('lets a neutral package depend on an exchange only through its composition root, or in its tests when listed', () => {
    const upbit = pkg('packages/upbit', { name: '@x/upbit', backbone: { exchange: 'upbit' } })
    const router = pkg('packages/router', { name: '@x/router', dependencies: { '@x/upbit': 'workspace:*' } })
    const rest = pkg('packages/rest', { name: '@x/rest', devDependencies: { '@x/upbit': 'workspace:*' } })
    const ws = pkg('packages/ws', { name: '@x/ws', dependencies: { '@x/upbit': 'workspace:*' } })
    const neutral = ['packages/router', 'packages/rest', 'packages/ws']
    const roots = { 'packages/router/src/defaults.ts': 'wires the default exchange' }
    const testOnly = { 'packages/rest': { exchanges: ['@x/upbit'], reason: 'its tests' } }
    expect(checkGraph([upbit, router, rest, ws], neutral, roots, testOnly)).toEqual([
      '@x/ws is exchange-neutral but depends on the exchange package @x/upbit',
    ])
    // Without the root and the test-only entry, both are violations again.
    expect(checkGraph([upbit, router, rest], neutral, {}, {})).toEqual([
      '@x/router is exchange-neutral but depends on the exchange package @x/upbit',
      '@x/rest is exchange-neutral but depends on the exchange package @x/upbit',
    ])
    // A test-only entry never covers a runtime dependency.
    const runtimeRest = pkg('packages/rest', { name: '@x/rest', dependencies: { '@x/upbit': 'workspace:*' } })
    expect(checkGraph([upbit, runtimeRest], neutral, {}, testOnly)).toHaveLength(1)
  })

  it('in a neutral package with a composition root, only that file of its source imports the exchange', () => {
    const ws = mkdtempSync(join(tmpdir(), 'bb-roots-'))
    try {
      const put = (path: string, content: string) => {
        mkdirSync(dirname(join(ws, path)), { recursive: true })
        writeFileSync(join(ws, path), content)
      }
      put(
        'packages/upbit/package.json',
        JSON.stringify({ name: '@bb/upbit', backbone: { exchange: 'upbit' } }),
      )
      put('packages/upbit/src/index.ts', 'export const upbit = {}\n')
      put(
        'packages/router/package.json',
        JSON.stringify({ name: '@bb/router', dependencies: { '@bb/upbit': 'workspace:*' } }),
      )
      put('packages/router/src/defaults.ts', "import { upbit } from '@bb/upbit'\nexport const d = upbit\n")
      put(
        'packages/router/src/backbone.ts',
        "// import { upbit } from '@bb/upbit' (a comment)\nimport { upbit } from '@bb/upbit'\n",
      )
      put('packages/router/test/a.test.ts', "import { upbit } from '@bb/upbit'\n")
      const problems: string[] = checkBoundaries(ws)
      expect(problems).toEqual([
        expect.stringMatching(
          /^packages\/router\/src\/backbone\.ts: imports the exchange package @bb\/upbit/,
        ),
      ])
    } finally {
      rmSync(ws, { recursive: true, force: true })
    }
  })
})
