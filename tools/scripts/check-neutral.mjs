#!/usr/bin/env node
// Keeps the exchange-neutral packages neutral (run by `pnpm lint`): no source file (tests,
// fixtures and docs aside) of a neutral package names one exchange or its conventions — the
// exchange `Upbit`, its quote currency `KRW` or its `QUOTE-BASE` symbol form. What differs per
// exchange is declared by its adapter package (market rules, symbol rules, shapes, formats).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The neutral packages, as `<group>/<dir>` under the repository root. */
export const NEUTRAL_PACKAGES = [
  'packages/models',
  'packages/exchange-adapter',
  'packages/unifier',
  'packages/adapter-testing',
  'packages/rules',
  'packages/utils',
]

/**
 * Files not yet cleaned, with the reason; each entry is a debt to pay, not a permission. Keep the
 * list short and name who owns the file.
 */
export const PENDING = {}

/** Words that name one exchange's conventions (case-insensitive). */
export const EXCHANGE_WORDS = /upbit|krw|quote-base/i

const SOURCE = /\.(c|m)?tsx?$|\.(c|m)?js$/
const SKIP = new Set(['node_modules', 'dist', 'site', 'coverage', '.turbo', '__fixtures__', 'test', 'bench'])

function listSources(dir) {
  const out = []
  for (const name of readdirSync(dir)) {
    if (SKIP.has(name) || name.startsWith('.')) continue
    const path = join(dir, name)
    if (statSync(path).isDirectory()) out.push(...listSources(path))
    else if (SOURCE.test(name) && !/\.test(-d)?\.tsx?$/.test(name) && !name.endsWith('.d.ts')) out.push(path)
  }
  return out
}

/** Every mention of an exchange's conventions in a neutral package's source: `file:line: text`. */
export function checkNeutral(root, packages = NEUTRAL_PACKAGES, pending = PENDING) {
  const problems = []
  for (const pkg of packages) {
    const src = join(root, pkg, 'src')
    if (!existsSync(src)) continue
    for (const file of listSources(src)) {
      const where = relative(root, file).split('\\').join('/')
      if (Object.hasOwn(pending, where)) continue
      const lines = readFileSync(file, 'utf8').split('\n')
      lines.forEach((line, i) => {
        const match = EXCHANGE_WORDS.exec(line)
        if (match)
          problems.push(`${where}:${i + 1}: "${match[0]}" in an exchange-neutral package: ${line.trim()}`)
      })
    }
  }
  return problems
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..', '..'))
  const problems = checkNeutral(root)
  for (const line of problems) console.error(line)
  if (problems.length > 0) {
    console.error(
      `\n${problems.length} mention(s) of one exchange in neutral packages: move the fact into the exchange's adapter (market rules, symbol rules, shapes) and read it from there.`,
    )
    process.exit(1)
  }
  const pending = Object.keys(PENDING)
  console.log(
    `Neutral packages OK (${NEUTRAL_PACKAGES.length} packages)${pending.length ? `; pending: ${pending.join(', ')}` : ''}.`,
  )
}
