import { execFileSync } from 'node:child_process'
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'

// Every `@example` in the packages' TSDoc is a promise too: each is written out as a module and
// type-checked against the built packages, with the repository's strict settings.
const root = join(import.meta.dirname, '..', '..', '..')
const out = join(import.meta.dirname, '..', '.tsdoc')

const sources = (dir: string): string[] =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) return name === '__fixtures__' ? [] : sources(path)
    return path.endsWith('.ts') && !path.endsWith('.test.ts') ? [path] : []
  })

/** The ```ts blocks of every `@example` tag, with where they come from. */
function examples(): { file: string; code: string }[] {
  const found: { file: string; code: string }[] = []
  for (const pkg of readdirSync(join(root, 'packages')))
    for (const file of sources(join(root, 'packages', pkg, 'src'))) {
      const text = readFileSync(file, 'utf8')
      for (const match of text.matchAll(/@example\s*\n((?:\s*\*.*\n)*?)\s*\*\//g)) {
        const body = (match[1] ?? '')
          .split('\n')
          .map((line) => line.replace(/^\s*\* ?/, ''))
          .join('\n')
        const code = /```ts\n([\s\S]*?)```/.exec(body)?.[1]
        if (code) found.push({ file: relative(root, file), code })
      }
    }
  return found
}

describe('TSDoc examples', () => {
  it('every @example of every package type-checks against the built packages', () => {
    const all = examples()
    expect(all.length).toBeGreaterThan(50)
    rmSync(out, { recursive: true, force: true })
    mkdirSync(out)
    all.forEach(({ file, code }, i) => {
      // `export {}` makes each one a module of its own (top-level await, no shared names).
      writeFileSync(join(out, `example-${i}.ts`), `// ${file}\n${code}\nexport {}\n`)
    })
    writeFileSync(
      join(out, 'tsconfig.json'),
      JSON.stringify({
        extends: '../../../tsconfig.base.json',
        compilerOptions: { noEmit: true, noUnusedLocals: false, types: ['node'] },
        include: ['*.ts'],
      }),
    )
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
    let output = ''
    try {
      execFileSync(process.execPath, [tsc, '-p', join(out, 'tsconfig.json')], { encoding: 'utf8' })
    } catch (error) {
      output = String((error as { stdout?: string }).stdout ?? error)
    }
    // Name the source of each failing example, not the generated file.
    const named = output.replace(/\.tsdoc\/example-(\d+)\.ts/g, (_, i) => all[Number(i)]?.file ?? '?')
    expect(named).toBe('')
  }, 120_000)
})
