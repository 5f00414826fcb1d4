// links: ignore-file (this test writes fixtures that point outside the repository on purpose)
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
// @ts-expect-error plain ESM script without types
import { checkLinks } from './check-links.mjs'

// The folder beside the repository that a user's clone does not have (built, so that this file
// itself names no path outside the repository).
const SHARED = ['..', 'shared'].join('/')

const roots: string[] = []
afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true })
})

/** A scratch repository with the given files; returns its problems. */
function check(files: Record<string, string>): string[] {
  const root = mkdtempSync(join(tmpdir(), 'bb-links-'))
  roots.push(root)
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true })
    writeFileSync(join(root, path), content)
  }
  return checkLinks(join(root))
}

const UPBIT = '# Upbit\n\n## §2 Limits\n\n### §2.1 Groups\n\n## §10 Wire\n\n### §10.18 change_price\n'
const RULES = '# Rules\n\n## §A The rules\n\n## §B Decisions\n\n### §B.4 Windows\n'

describe('check-links', () => {
  it('accepts links, document names and sections that exist in the repository', () => {
    expect(
      check({
        'README.md':
          '[adapter](packages/a/README.md), [notes](packages/a/UPBIT.md#limits), [web](https://x.y)\n',
        'packages/a/README.md': 'See UPBIT.md §2.1 and [the top](../../README.md).\n',
        'packages/a/UPBIT.md': UPBIT,
        'packages/r/RULES.md': RULES,
        'packages/a/src/x.ts': '// documented signed, sent unsigned (§10.18); windows: RULES.md §B.4, §A\n',
      }),
    ).toEqual([])
  })

  it('reports the sibling shared folder, links that leave the repository or miss, and documents that are not in it', () => {
    const problems = check({
      'README.md': `The design is in \`${SHARED}/architecture.md\`.\n`,
      'packages/s/README.md': `Facts: [upbit](../../${SHARED}/upbit-api.md), [gone](docs/missing.md), [ok](README.md)\n`,
      'packages/r/src/engine.ts': '/** Rebuilt after a reconnect (seven-rules.md). */\n',
    })
    expect(problems).toEqual([
      `README.md:1: points at ${SHARED}, outside the repository`,
      'README.md:1: names "architecture.md", which is not in the repository',
      'packages/r/src/engine.ts:1: names "seven-rules.md", which is not in the repository',
      `packages/s/README.md:1: points at ${SHARED}, outside the repository`,
      `packages/s/README.md:1: link "../../${SHARED}/upbit-api.md" leaves the repository`,
      'packages/s/README.md:1: link "docs/missing.md" points at a missing file',
      'packages/s/README.md:1: names "upbit-api.md", which is not in the repository',
      'packages/s/README.md:1: names "missing.md", which is not in the repository',
    ])
  })

  it('reports section references to sections that do not exist, and "spec §" without a document', () => {
    const problems = check({
      'packages/a/UPBIT.md': UPBIT,
      'packages/r/RULES.md': RULES,
      'packages/a/src/x.ts':
        '// URL too long (§5.2); idle timeout (UPBIT.md §10.1)\n// RULES.md §B.9; spec §B.4\n',
    })
    expect(problems).toEqual([
      'packages/a/src/x.ts:1: §5.2 is not a section of UPBIT.md',
      'packages/a/src/x.ts:1: §10.1 is not a section of UPBIT.md',
      'packages/a/src/x.ts:2: §B.9 is not a section of RULES.md',
      'packages/a/src/x.ts:2: "spec §B.4" does not say which document: name it (RULES.md §B.4)',
    ])
  })

  it("a Markdown file's unnamed section references resolve in itself when it declares them", () => {
    const problems = check({
      'packages/a/UPBIT.md': UPBIT,
      'packages/b/BINANCE.md': '# Binance\n\n## §4 REST\n\n### §4.8 Klines\n\nSee §4.8; not §4.9.\n',
    })
    expect(problems).toEqual(['packages/b/BINANCE.md:7: §4.9 is not a section of UPBIT.md'])
  })

  it('reports a section number when the default document is missing', () => {
    expect(check({ 'src/ticks.ts': '/** Upbit price grid (§9). */\n' })).toEqual([
      'src/ticks.ts:1: §9 refers to UPBIT.md, which is not in the repository',
    ])
  })
})
