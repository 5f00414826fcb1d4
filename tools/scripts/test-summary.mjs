#!/usr/bin/env node
// Sums the vitest JSON reports (.test-results.json) that `pnpm test` leaves in each workspace
// package and prints one closing line, `Tests: N passed, M failed, K skipped`.
// With --clean it deletes old reports first, so a package that did not run is not counted.
import { existsSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { readWorkspace } from './check-boundaries.mjs'

const root = join(import.meta.dirname, '..', '..')
const reports = readWorkspace(root).map((p) => ({
  name: p.json.name,
  file: join(p.dir, '.test-results.json'),
  tested: typeof p.json.scripts?.test === 'string',
}))
if (process.argv.includes('--clean')) {
  for (const { file } of reports) rmSync(file, { force: true })
  process.exit(0)
}
let passed = 0
let failed = 0
let skipped = 0
const rows = []
const missing = []
for (const { name, file, tested } of reports) {
  if (!existsSync(file)) {
    // A package with tests that left no report did not finish (killed, crashed, or its build
    // failed): that is a failure, never a package quietly missing from the sum.
    if (tested) missing.push(name)
    continue
  }
  const report = JSON.parse(readFileSync(file, 'utf8'))
  passed += report.numPassedTests
  failed += report.numFailedTests
  skipped += report.numPendingTests + report.numTodoTests
  rows.push(
    `  ${name.padEnd(24)} ${String(report.numPassedTests).padStart(5)} passed ${String(report.numFailedTests).padStart(3)} failed`,
  )
}
for (const name of missing) rows.push(`  ${name.padEnd(24)} no report: its tests did not run to the end`)
console.log(`\n${rows.join('\n')}`)
console.log(
  `Tests: ${passed} passed, ${failed} failed, ${skipped} skipped${missing.length > 0 ? `; ${missing.length} package(s) without a report` : ''}`,
)
if (failed > 0 || missing.length > 0) process.exitCode = 1
