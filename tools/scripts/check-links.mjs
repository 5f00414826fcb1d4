#!/usr/bin/env node
// Keeps the repository self-contained (run by `pnpm lint`): no file may point outside it.
//  1. no path into the sibling `shared` folder (or any sibling checkout);
//  2. a relative Markdown link must resolve to an existing file inside the repository;
//  3. a document named in any text (`architecture.md`, `UPBIT.md`) must exist in the repository;
//  4. a section reference `§10.18` / `§B.4` must name a section that exists: in the document named
//     before it on the same line, otherwise in UPBIT.md (numbers) or RULES.md (letters); "spec §"
//     without a document name is refused.
// A file containing the marker `links: ignore-file` is skipped (the checker's own fixtures).
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, extname, join, relative, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The folder beside the repository (built, so this file names no path outside it). */
const SHARED = ['..', 'shared'].join('/')
const TEXT = new Set(['.md', '.ts', '.mts', '.cts', '.tsx', '.js', '.mjs', '.cjs', '.json', '.yaml', '.yml'])
const SKIP = new Set(['node_modules', 'dist', 'site', 'coverage', '.turbo', '.git'])
const SKIP_FILES = new Set(['pnpm-lock.yaml', '.test-results.json'])
/** Where a section number without a document name points: numbers → the Upbit notes, letters → the rule spec. */
const DEFAULT_DOCS = { number: 'UPBIT.md', letter: 'RULES.md' }

function listFiles(root, dir = root) {
  const out = []
  for (const name of readdirSync(dir)) {
    if (SKIP.has(name) || SKIP_FILES.has(name)) continue
    const path = join(dir, name)
    const stat = statSync(path)
    if (stat.isDirectory()) out.push(...listFiles(root, path))
    else if (TEXT.has(extname(name)) || relative(root, path) === join('.ci', 'run')) out.push(path)
  }
  return out
}

const MD_LINK = /\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g
const DOC_NAME = /(?<![\w.-])([\w-]+(?:\.[\w-]+)*\.md)\b/g
const SECTION = /§\s?([0-9]+(?:\.[0-9]+)*|[A-Z](?:\.[0-9]+)*)/g

/** Section ids (`2.1`, `B.4`) declared by headings `## §2.1 …` in a Markdown text. */
function sectionsOf(text) {
  const ids = new Set()
  for (const match of text.matchAll(/^#{1,6}\s+§\s?([0-9A-Z][\w.]*?)\.?(?:\s|$)/gm)) ids.add(match[1])
  return ids
}

/** Returns every reference in the repository at `root` that points outside it, as readable lines. */
export function checkLinks(root) {
  root = resolve(root)
  const files = listFiles(root)
  const docs = new Map() // basename → [path]
  for (const file of files) {
    if (!file.endsWith('.md')) continue
    const name = file.slice(file.lastIndexOf(sep) + 1)
    docs.set(name, [...(docs.get(name) ?? []), file])
  }
  const sectionCache = new Map()
  const sections = (name) => {
    if (!sectionCache.has(name)) {
      const ids = new Set()
      for (const path of docs.get(name) ?? [])
        for (const id of sectionsOf(readFileSync(path, 'utf8'))) ids.add(id)
      sectionCache.set(name, ids)
    }
    return sectionCache.get(name)
  }
  const problems = []
  for (const file of files) {
    const text = readFileSync(file, 'utf8')
    if (text.includes('links: ignore-file')) continue
    const rel = relative(root, file)
    // A Markdown file's own sections: an unnamed `§2.1` in it refers to itself when it declares one.
    const own = file.endsWith('.md') ? sectionsOf(text) : new Set()
    const lines = text.split('\n')
    lines.forEach((line, index) => {
      const at = `${rel}:${index + 1}`
      if (/(^|[^\w.-])(\.\.\/)+shared\b/.test(line))
        problems.push(`${at}: points at ${SHARED}, outside the repository`)
      if (file.endsWith('.md')) {
        for (const [, target] of line.matchAll(MD_LINK)) {
          if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('#')) continue
          const path = decodeURI(target.replace(/[#?].*$/, ''))
          if (path === '') continue
          const full = path.startsWith('/') ? join(root, path) : resolve(dirname(file), path)
          const inside = relative(root, full)
          if (inside.startsWith('..') || inside.startsWith(sep))
            problems.push(`${at}: link "${target}" leaves the repository`)
          else if (!exists(full)) problems.push(`${at}: link "${target}" points at a missing file`)
        }
      }
      const plain = line.replace(/[a-z][a-z0-9+.-]*:\/\/\S+/gi, '') // names inside URLs are the web's
      for (const [, name] of plain.matchAll(DOC_NAME)) {
        if (!docs.has(name)) problems.push(`${at}: names "${name}", which is not in the repository`)
      }
      for (const match of plain.matchAll(SECTION)) {
        const id = match[1]
        const before = plain.slice(0, match.index)
        if (/\bspec\s*$/i.test(before)) {
          problems.push(`${at}: "spec §${id}" does not say which document: name it (RULES.md §${id})`)
          continue
        }
        const named = [...before.matchAll(DOC_NAME)].at(-1)?.[1]
        if (named === undefined && own.has(id)) continue
        const doc = named ?? (/^[0-9]/.test(id) ? DEFAULT_DOCS.number : DEFAULT_DOCS.letter)
        if (!docs.has(doc)) {
          if (!named) problems.push(`${at}: §${id} refers to ${doc}, which is not in the repository`)
          continue
        }
        if (!sections(doc).has(id)) problems.push(`${at}: §${id} is not a section of ${doc}`)
      }
    })
  }
  return problems
}

function exists(path) {
  try {
    statSync(path)
    return true
  } catch {
    return false
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')
  const problems = checkLinks(root)
  for (const line of problems) process.stderr.write(`${line}\n`)
  if (problems.length > 0) {
    process.stderr.write(`\n${problems.length} reference(s) outside the repository.\n`)
    process.exit(1)
  }
  process.stdout.write('links: every reference resolves inside the repository\n')
}
