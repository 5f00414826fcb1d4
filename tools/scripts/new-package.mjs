#!/usr/bin/env node
// Creates packages/<dir> from the one package template: ESM build with tsc, exports map
// (types first, plus ./package.json), sideEffects false, tests excluded from `files`.
// Usage: node tools/scripts/new-package.mjs <dir> "<description>" [dep ...]
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

const [dir, description, ...deps] = process.argv.slice(2)
if (!dir || !description) {
  console.error('usage: new-package.mjs <dir> "<description>" [dep ...]')
  process.exit(2)
}
const root = join(import.meta.dirname, '..', '..', 'packages', dir)
if (existsSync(join(root, 'package.json'))) {
  console.error(`packages/${dir} exists already`)
  process.exit(2)
}
mkdirSync(join(root, 'src'), { recursive: true })
const dependencies = Object.fromEntries(
  deps
    .map((d) => (d.startsWith('@bb/') ? [d, 'workspace:*'] : d.split(/(?<=.)@/)))
    .map(([n, v]) => [n, v ?? '*']),
)
const pkg = {
  name: `@bb/${dir}`,
  version: '0.0.0',
  description,
  license: 'MIT',
  type: 'module',
  sideEffects: false,
  engines: { node: '>=20.19' },
  exports: {
    '.': { types: './dist/index.d.ts', import: './dist/index.js', default: './dist/index.js' },
    './package.json': './package.json',
  },
  main: './dist/index.js',
  types: './dist/index.d.ts',
  files: ['dist', '!dist/**/*.test.*', '!dist/**/__fixtures__', 'README.md'],
  scripts: {
    build: 'tsc -p tsconfig.build.json',
    typecheck: 'tsc -p tsconfig.json --noEmit',
    lint: 'biome check .',
    test: 'vitest run',
  },
  dependencies,
}
const write = (file, value) =>
  writeFileSync(join(root, file), typeof value === 'string' ? value : `${JSON.stringify(value, null, 2)}\n`)
write('package.json', pkg)
write('tsconfig.json', {
  extends: '../../tsconfig.base.json',
  compilerOptions: { noEmit: true },
  include: ['src', 'test', 'bench', '*.ts'],
})
write('tsconfig.build.json', {
  extends: '../../tsconfig.base.json',
  compilerOptions: { rootDir: 'src', outDir: 'dist', noEmit: false },
  include: ['src'],
  exclude: ['src/**/*.test.ts', 'src/**/__fixtures__'],
})
write('typedoc.json', {
  $schema: 'https://typedoc.org/schema.json',
  entryPoints: ['src/index.ts'],
  tsconfig: 'tsconfig.build.json',
  readme: 'README.md',
})
console.log(`created packages/${dir}`)
