#!/usr/bin/env node
// Keeps the exchange-neutral packages neutral (run by `pnpm lint`): no source file (tests,
// fixtures and docs aside) of a neutral package names one exchange or its conventions — the
// exchange `Upbit`, its quote currency `KRW` or its `QUOTE-BASE` symbol form — nor uses its order
// types (`ord_type`, `price`/`best` orders; see ORDER_TYPE_PATTERNS). What differs per
// exchange is declared by its adapter package (market rules, symbol rules, shapes, formats).
//
// The rule reads CODE, not prose: comments (`// …` and `/* … */`, TSDoc included) are
// documentation — typedoc renders them, and an example there rightly imports a concrete
// exchange — so they are blanked out before the check. Everything else is code and is checked,
// string and template literals included (`'KRW-BTC'` in code fails: a default symbol is an
// exchange fact). `stripComments` is a small hand tokenizer rather than a dependency: it must
// know string, template and regular-expression literals so that `'https://x//y'` or `/\/*/`
// is not taken for a comment; the regex-based `strip-comments` packages do not track template
// literals with nested `${…}` nor tell a regex from a division, and the TypeScript scanner
// cannot tell them apart without its parser.
//
// Two lists exempt files, each with its reason: PENDING (debts to pay) and COMPOSITION_ROOTS
// (a design decision: the one file of a neutral package that wires a default exchange, so
// the package users import works without configuration).
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
  'packages/errors',
  'packages/rest',
  'packages/ws',
  'packages/router',
  'packages/analytics',
]

/**
 * Files not yet cleaned, with the reason; each entry is a debt to pay, not a permission. Keep the
 * list short and name who owns the file.
 */
export const PENDING = {}

/**
 * Files that wire a concrete exchange into a neutral package on purpose, with the reason. Each
 * is the package's composition root: the rest of the package takes an adapter (or a registry)
 * and never names an exchange; only this file picks the default, so zero-config use keeps
 * working. Not a debt: removing one is a design change, documented in the package README.
 */
export const COMPOSITION_ROOTS = {
  'packages/router/src/defaults.ts':
    '`createBackbone()` and `exchange: \'upbit\'` work without wiring: the package users import registers its first exchange (see the router README, "Exchanges")',
}

/** Words that name one exchange's conventions (case-insensitive). */
export const EXCHANGE_WORDS = /upbit|krw|quote-base/i

/**
 * One exchange's order types used as neutral ones: the neutral `OrderType` is `limit` | `market`
 * (a market buy sized by `cost`), and Upbit's `ord_type`s `price` (market buy by total) and `best`
 * are its adapter's mapping and option. Matched in code: the wire field `ord_type`, an order type
 * written `type: 'price'`/`'best'` next to an order's fields (`side`, `price`, `volume`, `cost`),
 * and a list of string literals holding `'price'` or `'best'` with `'limit'`. A market event
 * `{ type: 'price', symbol, price }` of `@bb/rules` is not an order and passes.
 */
export const ORDER_TYPE_PATTERNS = [
  /\bord_type\b/g,
  /\btype\s*:\s*(['"`])(?:price|best)\1\s*,\s*(?:price|volume|cost)\b/g,
  /\bside\s*:[^,}]*,\s*type\s*:\s*(['"`])(?:price|best)\1/g,
  /['"`]limit['"`](?:\s*,\s*['"`]\w+['"`])*\s*,\s*['"`](?:price|best)['"`]/g,
  /['"`](?:price|best)['"`](?:\s*,\s*['"`]\w+['"`])*\s*,\s*['"`]limit['"`]/g,
]

/**
 * Exchange order types in code (comments already blanked), as `{ line, text }`: the patterns
 * may span lines (an object literal written one field a line), so they run on the whole text and
 * each match is reported at the line it starts on.
 */
function orderTypeMentions(code) {
  const found = new Map()
  for (const pattern of ORDER_TYPE_PATTERNS) {
    for (const match of code.matchAll(pattern)) {
      const line = code.slice(0, match.index).split('\n').length
      if (!found.has(line)) found.set(line, match[0].replace(/\s+/g, ' '))
    }
  }
  return [...found].sort((a, b) => a[0] - b[0]).map(([line, text]) => ({ line, text }))
}

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

/** Keywords after which a `/` starts a regular expression, not a division. */
const REGEX_AFTER_WORD = new Set([
  'return',
  'typeof',
  'instanceof',
  'in',
  'of',
  'new',
  'delete',
  'void',
  'throw',
  'case',
  'do',
  'else',
  'yield',
  'await',
])

/**
 * The source with every comment blanked out: each character of a `// …` or `/* … *\/` comment
 * becomes a space, newlines stay, so line numbers still point at the original. String literals
 * (`'…'`, `"…"`, template literals with nested `${…}`) and regular-expression literals are
 * kept as they are, so `'https://x//y'` or `/\/*\//` is code, not a comment. A `/` is read as a
 * regular expression where a value may start (after an operator, `(`, `,`, a keyword such as
 * `return`, or at the start), as a division after a name, a number or a closing bracket — the
 * rule every JavaScript highlighter uses. JSX text is read as code (none of the checked packages
 * has any).
 */
export function stripComments(source) {
  const out = source.split('')
  const blank = (from, to) => {
    for (let k = from; k < to; k++) if (out[k] !== '\n' && out[k] !== '\r') out[k] = ' '
  }
  const n = source.length
  /** Open `${` of template literals: the brace depth at which each one closes. */
  const templates = []
  let depth = 0
  let i = 0
  /** What came last in code: 'value' (a `/` divides) or 'operator' (a `/` starts a regex). */
  let last = 'operator'

  const readQuoted = (quote) => {
    i++
    while (i < n && source[i] !== quote && source[i] !== '\n') i += source[i] === '\\' ? 2 : 1
    i++
  }
  /** From inside a template literal to its end or to a `${`. */
  const readTemplate = () => {
    while (i < n) {
      const c = source[i]
      if (c === '\\') i += 2
      else if (c === '`') {
        i++
        return
      } else if (c === '$' && source[i + 1] === '{') {
        i += 2
        templates.push(depth)
        depth++
        last = 'operator'
        return
      } else i++
    }
  }
  const readRegex = () => {
    i++
    let inClass = false
    while (i < n && source[i] !== '\n') {
      const c = source[i]
      if (c === '\\') i += 2
      else {
        i++
        if (c === '[') inClass = true
        else if (c === ']') inClass = false
        else if (c === '/' && !inClass) break
      }
    }
    while (i < n && /[a-z]/i.test(source[i])) i++
  }

  while (i < n) {
    const c = source[i]
    const next = source[i + 1]
    if (c === '/' && next === '/') {
      const end = source.indexOf('\n', i)
      const stop = end === -1 ? n : end
      blank(i, stop)
      i = stop
    } else if (c === '/' && next === '*') {
      const end = source.indexOf('*/', i + 2)
      const stop = end === -1 ? n : end + 2
      blank(i, stop)
      i = stop
    } else if (c === "'" || c === '"') {
      readQuoted(c)
      last = 'value'
    } else if (c === '`') {
      i++
      readTemplate()
      if (source[i - 1] === '`') last = 'value'
    } else if (c === '/') {
      if (last === 'operator') {
        readRegex()
        last = 'value'
      } else {
        i++
        last = 'operator'
      }
    } else if (/[\p{L}\p{N}_$]/u.test(c)) {
      const start = i
      while (i < n && /[\p{L}\p{N}_$]/u.test(source[i])) i++
      const word = source.slice(start, i)
      last = REGEX_AFTER_WORD.has(word) ? 'operator' : 'value'
    } else if (/\s/.test(c)) {
      i++
    } else {
      i++
      if (c === '{') {
        depth++
        last = 'operator'
      } else if (c === '}') {
        depth--
        if (templates.length > 0 && templates[templates.length - 1] === depth) {
          templates.pop()
          readTemplate()
          if (source[i - 1] === '`') last = 'value'
        } else last = 'operator'
      } else last = c === ')' || c === ']' ? 'value' : 'operator'
    }
  }
  return out.join('')
}

/**
 * Every mention of an exchange's conventions in the code of a neutral package's source (comments
 * aside): `file:line: text`. Files in `pending` or `roots` are skipped.
 */
export function checkNeutral(
  root,
  packages = NEUTRAL_PACKAGES,
  pending = PENDING,
  roots = COMPOSITION_ROOTS,
) {
  const problems = []
  for (const pkg of packages) {
    const src = join(root, pkg, 'src')
    if (!existsSync(src)) continue
    for (const file of listSources(src)) {
      const where = relative(root, file).split('\\').join('/')
      if (Object.hasOwn(pending, where) || Object.hasOwn(roots, where)) continue
      const source = readFileSync(file, 'utf8')
      const original = source.split('\n')
      const code = stripComments(source)
      code.split('\n').forEach((line, i) => {
        const match = EXCHANGE_WORDS.exec(line)
        if (match)
          problems.push(
            `${where}:${i + 1}: "${match[0]}" in an exchange-neutral package: ${original[i]?.trim()}`,
          )
      })
      for (const { line, text } of orderTypeMentions(code))
        problems.push(
          `${where}:${line}: "${text}" is one exchange's order type, in an exchange-neutral package (neutral: limit, and market with volume or cost; exchange extras are market.orderOptions): ${original[line - 1]?.trim()}`,
        )
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
  const roots = Object.keys(COMPOSITION_ROOTS)
  console.log(
    `Neutral packages OK (${NEUTRAL_PACKAGES.length} packages, comments aside)${roots.length ? `; composition roots: ${roots.join(', ')}` : ''}${pending.length ? `; pending: ${pending.join(', ')}` : ''}.`,
  )
}
