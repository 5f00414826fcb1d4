#!/usr/bin/env node
// Proves that the public packages work outside the monorepo (run by .ci/run after the build):
//  1. each package under packages/ is packed with `pnpm pack` (workspace: ranges become versions);
//  2. publint and @arethetypeswrong/cli (ESM-only profile) check each packed tarball;
//  3. all tarballs are installed with npm into a scratch project in the system's temp directory
//     (outside the workspace, so nothing resolves through it), which imports every package and
//     every subpath export from ESM, type-checks that import with `tsc --noEmit` (strict,
//     NodeNext resolution, the packages' own .d.ts files checked) and runs it under Node.
// Needs the npm registry for the packages' own dependencies and the two checkers (pinned below).
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const PUBLINT = 'publint@0.3.25'
const ATTW = '@arethetypeswrong/cli@0.18.5'
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')
const pnpm = process.env.npm_execpath ? [process.execPath, process.env.npm_execpath] : ['pnpm']
const run = (command, args, options = {}) =>
  execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...options })
const step = (text) => process.stdout.write(`\n--- ${text}\n`)

/** Every publishable package: its directory, manifest and the specifiers its exports offer. */
export function publicPackages(base = root) {
  return readdirSync(join(base, 'packages'))
    .map((name) => join(base, 'packages', name))
    .map((dir) => ({ dir, json: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) }))
    .filter(({ json }) => !json.private)
    .map(({ dir, json }) => ({
      dir,
      name: json.name,
      peers: Object.entries(json.peerDependencies ?? {}).map(([name, range]) => `${name}@${range}`),
      specifiers: Object.keys(json.exports ?? { '.': null })
        .filter((key) => key !== './package.json')
        .map((key) => (key === '.' ? json.name : `${json.name}/${key.slice(2)}`)),
    }))
}

/** The scratch project's ESM entry: imports every specifier and checks each has named exports. */
export function entrySource(specifiers) {
  const lines = specifiers.map((s, i) => `import * as m${i} from '${s}'`)
  const list = specifiers.map((s, i) => `['${s}', m${i}]`).join(', ')
  return `${lines.join('\n')}\n\nconst modules: [string, object][] = [${list}]\nfor (const [name, module] of modules) {\n  const names = Object.keys(module)\n  if (names.length === 0) throw new Error(\`\${name} exports nothing\`)\n  console.log(\`\${name}: \${names.length} exports\`)\n}\n`
}

function main() {
  const packages = publicPackages()
  const scratch = mkdtempSync(join(tmpdir(), 'bb-pack-'))
  const failures = []
  try {
    const tarballs = join(scratch, 'tarballs')
    mkdirSync(tarballs)
    for (const pkg of packages) {
      step(`pack ${pkg.name}`)
      run(pnpm[0], [...pnpm.slice(1), 'pack', '--pack-destination', tarballs], { cwd: pkg.dir })
    }
    const files = readdirSync(tarballs).map((f) => join(tarballs, f))
    for (const file of files) {
      step(`publint ${file.slice(tarballs.length + 1)}`)
      try {
        process.stdout.write(run('npx', ['--yes', PUBLINT, '--strict', file]))
      } catch (error) {
        failures.push(`publint ${file}: ${error.stdout ?? ''}${error.stderr ?? ''}`)
      }
      step(`attw ${file.slice(tarballs.length + 1)}`)
      try {
        process.stdout.write(
          run('npx', ['--yes', ATTW, file, '--profile', 'esm-only', '--format', 'table-flipped']),
        )
      } catch (error) {
        failures.push(`attw ${file}: ${error.stdout ?? ''}${error.stderr ?? ''}`)
      }
    }

    step('install the tarballs into a scratch project outside the workspace')
    const project = join(scratch, 'project')
    mkdirSync(project)
    writeFileSync(
      join(project, 'package.json'),
      JSON.stringify({ name: 'bb-pack-check', private: true, type: 'module' }, null, 2),
    )
    // Optional peer dependencies (prom-client for @bb/router/prometheus) are installed as a user
    // of those entry points would.
    const peers = [...new Set(packages.flatMap((p) => p.peers))]
    run(
      'npm',
      ['install', '--no-audit', '--no-fund', '--ignore-scripts', ...files, ...peers, '@types/node@20'],
      {
        cwd: project,
      },
    )
    const specifiers = packages.flatMap((p) => p.specifiers)
    writeFileSync(join(project, 'index.mts'), entrySource(specifiers))
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          noEmit: false,
          outDir: 'out',
          types: ['node'],
          skipLibCheck: false,
        },
        files: ['index.mts'],
      }),
    )
    step('tsc (types of every package, from the installed tarballs)')
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc')
    try {
      run(process.execPath, [tsc, '-p', project])
    } catch (error) {
      failures.push(`tsc: ${error.stdout ?? ''}${error.stderr ?? ''}`)
    }
    step('node (import every package from ESM)')
    try {
      process.stdout.write(run(process.execPath, [join(project, 'out', 'index.mjs')], { cwd: project }))
    } catch (error) {
      failures.push(`node: ${error.stdout ?? ''}${error.stderr ?? ''}`)
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true })
  }
  if (failures.length > 0) {
    process.stderr.write(`\n${failures.join('\n')}\n${failures.length} package check(s) failed\n`)
    process.exit(1)
  }
  process.stdout.write(
    `\npackages: ${packages.length} packed, linted, installed outside the workspace and imported\n`,
  )
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) main()
