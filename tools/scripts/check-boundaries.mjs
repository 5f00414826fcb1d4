#!/usr/bin/env node
// Enforces the package boundaries of the workspace (run by `pnpm lint`):
//  1. no deep imports: `@bb/x/src/...`, `@bb/x/dist/...` or any subpath that package x does not export;
//  2. no relative import that leaves its own package (`../../models/src/...`);
//  3. a workspace package is imported only by packages that declare it as a dependency;
//  4. the arrows point one way: no cycle among workspace dependencies (any kind, dev included);
//  5. no exchange-neutral package (see check-neutral.mjs) depends on an exchange package (one
//     whose package.json has `"backbone": { "exchange": "<id>" }`), not even for its tests —
//     with two documented exceptions: a package with a composition root (COMPOSITION_ROOTS in
//     check-neutral.mjs) may depend on the exchange it wires, and only that file of its source
//     may import it; and the test-only dependencies of TEST_EXCHANGE_DEPENDENCIES below, each
//     with its reason.
// A file containing the marker `boundaries: ignore-file` is skipped (the checker's own fixtures).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { COMPOSITION_ROOTS, NEUTRAL_PACKAGES, stripComments } from './check-neutral.mjs'

/**
 * Neutral packages whose TESTS (devDependencies, never their source) use a concrete exchange,
 * with the reason. A debt of the test suites, not of the code: each entry goes once the
 * package's tests run on a second exchange (or the conformance kit's fixture exchange).
 */
export const TEST_EXCHANGE_DEPENDENCIES = {
  'packages/rest': {
    exchanges: ['@bb/upbit'],
    reason: 'its end-to-end tests run against @bb/sim, which speaks Upbit, through the upbit adapter',
  },
  'packages/ws': {
    exchanges: ['@bb/upbit'],
    reason: 'its end-to-end tests run against @bb/sim, which speaks Upbit, through the upbit adapter',
  },
}

/** A test or fixture file (as check-neutral skips them), from its path inside the package. */
const isTestFile = (path) => /(^|\/)(test|__fixtures__|bench)\/|\.test(-d)?\.[cm]?[jt]sx?$/.test(path)

const SOURCE = /\.(c|m)?tsx?$|\.(c|m)?js$/
const IMPORT =
  /(?:^|[\s;])(?:import|export)\s[^'"`]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s*['"]([^'"]+)['"]/gm
const SKIP = new Set(['node_modules', 'dist', 'site', 'coverage', '.turbo'])

function listFiles(dir) {
  const out = []
  for (const name of readdirSync(dir)) {
    if (SKIP.has(name) || name.startsWith('.')) continue
    const path = join(dir, name)
    if (statSync(path).isDirectory()) out.push(...listFiles(path))
    else if (SOURCE.test(name) && !name.endsWith('.d.ts')) out.push(path)
  }
  return out
}

/** Reads every workspace package under packages/, apps/ and tools/ of `root`. */
export function readWorkspace(root) {
  const packages = []
  for (const group of ['packages', 'apps', 'tools']) {
    const base = join(root, group)
    if (!existsSync(base)) continue
    for (const name of readdirSync(base)) {
      const manifest = join(base, name, 'package.json')
      if (!existsSync(manifest)) continue
      const json = JSON.parse(readFileSync(manifest, 'utf8'))
      packages.push({ dir: join(base, name), json })
    }
  }
  return packages
}

/** Returns the list of boundary violations in the workspace at `root`, as readable lines. */
export function checkBoundaries(root) {
  const workspace = readWorkspace(root)
  const byName = new Map(workspace.map((p) => [p.json.name, p]))
  const problems = []
  for (const pkg of workspace) {
    const declared = new Set(
      ['dependencies', 'devDependencies', 'peerDependencies'].flatMap((k) => Object.keys(pkg.json[k] ?? {})),
    )
    for (const file of listFiles(pkg.dir)) {
      const source = readFileSync(file, 'utf8')
      if (source.includes('boundaries: ignore-file')) continue
      // Comments (TSDoc examples may show how to use other packages) are not imports.
      const text = stripComments(source)
      const where = relative(root, file)
      const inPackage = relative(pkg.dir, file).split(sep).join('/')
      const neutralSource =
        NEUTRAL_PACKAGES.includes(relative(root, pkg.dir).split(sep).join('/')) &&
        inPackage.startsWith('src/') &&
        !isTestFile(inPackage)
      for (const match of text.matchAll(IMPORT)) {
        const spec = match[1] ?? match[2] ?? match[3]
        if (!spec) continue
        if (spec.startsWith('.')) {
          const target = resolve(dirname(file), spec)
          if (!(target + sep).startsWith(pkg.dir + sep)) {
            problems.push(
              `${where}: relative import "${spec}" leaves package ${pkg.json.name}; import the other package by name`,
            )
          }
          continue
        }
        const parts = spec.split('/')
        const name = spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]
        const target = byName.get(name)
        if (!target || target === pkg) continue
        const subpath = `.${spec.slice(name.length)}` || '.'
        const exported = Object.keys(target.json.exports ?? { '.': null })
        if (!exported.includes(subpath === '.' ? '.' : subpath)) {
          problems.push(`${where}: deep import "${spec}": ${name} exports only ${exported.join(', ')}`)
        }
        if (!declared.has(name)) {
          problems.push(`${where}: imports ${name}, which ${pkg.json.name} does not declare as a dependency`)
        }
        const posix = where.split(sep).join('/')
        if (neutralSource && target.json.backbone?.exchange && !Object.hasOwn(COMPOSITION_ROOTS, posix)) {
          problems.push(
            `${where}: imports the exchange package ${name}; in an exchange-neutral package only a composition root may (COMPOSITION_ROOTS in check-neutral.mjs)`,
          )
        }
      }
    }
  }
  problems.push(...checkGraph(workspace))
  return problems
}

const DEPENDENCY_KINDS = ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies']

/** Cycles among workspace dependencies, and neutral packages depending on an exchange package. */
export function checkGraph(
  workspace,
  neutral = NEUTRAL_PACKAGES,
  roots = COMPOSITION_ROOTS,
  testOnly = TEST_EXCHANGE_DEPENDENCIES,
) {
  const names = new Set(workspace.map((p) => p.json.name))
  const edges = new Map(
    workspace.map((p) => [
      p.json.name,
      [...new Set(DEPENDENCY_KINDS.flatMap((k) => Object.keys(p.json[k] ?? {})))].filter((n) => names.has(n)),
    ]),
  )
  const problems = []
  const state = new Map() // name → 'open' while on the stack, 'done' after
  const stack = []
  const visit = (name) => {
    if (state.get(name) === 'done') return
    if (state.get(name) === 'open') {
      problems.push(`dependency cycle: ${[...stack.slice(stack.indexOf(name)), name].join(' → ')}`)
      return
    }
    state.set(name, 'open')
    stack.push(name)
    for (const next of edges.get(name) ?? []) visit(next)
    stack.pop()
    state.set(name, 'done')
  }
  for (const name of [...names].sort()) visit(name)
  const exchanges = new Set(workspace.filter((p) => p.json.backbone?.exchange).map((p) => p.json.name))
  for (const pkg of workspace) {
    const dir = pkg.dir.split(sep).slice(-2).join('/')
    if (!neutral.includes(dir)) continue
    const hasRoot = Object.keys(roots).some((file) => file.startsWith(`${dir}/`))
    for (const dep of edges.get(pkg.json.name) ?? []) {
      if (!exchanges.has(dep)) continue
      const runtime = DEPENDENCY_KINDS.some(
        (k) => k !== 'devDependencies' && pkg.json[k]?.[dep] !== undefined,
      )
      if (runtime ? hasRoot : testOnly[dir]?.exchanges.includes(dep)) continue
      problems.push(`${pkg.json.name} is exchange-neutral but depends on the exchange package ${dep}`)
    }
  }
  return problems
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..', '..'))
  const problems = checkBoundaries(root)
  for (const line of problems) console.error(line)
  if (problems.length > 0) {
    console.error(`\n${problems.length} package boundary violation(s).`)
    process.exit(1)
  }
  console.log(`Package boundaries OK (${readWorkspace(root).length} workspace packages).`)
}
