#!/usr/bin/env node
// Every published package changed since the base has a changeset: `changeset status --since=<base>`.
//
// The base: $CHANGESET_BASE when set; on a branch other than the base branch, its merge-base with
// that branch (a pull request is compared with what it merges into); on the base branch itself, the
// newest release tag (`@bb/<pkg>@<version>`, as `changeset tag` writes them), or, before the first
// release, the repository's first commit — so a fresh clone of main checks every change still
// waiting for its release. A shallow clone has no history to compare with: the check says so and
// passes, unless CI=true.
import { execFileSync, spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'

const root = process.argv[2] ?? process.cwd()
const git = (...args) => execFileSync('git', args, { cwd: root, encoding: 'utf8' }).trim()
const config = JSON.parse(readFileSync(join(root, '.changeset', 'config.json'), 'utf8'))
const baseBranch = config.baseBranch ?? 'main'

if (git('rev-parse', '--is-shallow-repository') === 'true') {
  const message = 'check-changesets: a shallow clone has no history to compare with'
  if (process.env.CI === 'true') {
    console.error(`${message} (CI=true: clone with full history, or set CHANGESET_BASE)`)
    process.exit(1)
  }
  console.log(`${message}; skipped`)
  process.exit(0)
}

const refExists = (ref) =>
  spawnSync('git', ['rev-parse', '--verify', '--quiet', ref], { cwd: root }).status === 0

function findBase() {
  if (process.env.CHANGESET_BASE) return { base: process.env.CHANGESET_BASE, why: 'CHANGESET_BASE' }
  const branch = git('rev-parse', '--abbrev-ref', 'HEAD')
  const target = [baseBranch, `origin/${baseBranch}`].find(refExists)
  if (branch !== baseBranch && target) {
    return { base: git('merge-base', 'HEAD', target), why: `the merge-base with ${target}` }
  }
  const tags = git('tag', '--list', '@bb/*@*', '--merged', 'HEAD', '--sort=-creatordate')
  const tag = tags.split('\n').find(Boolean)
  if (tag) return { base: tag, why: 'the newest release tag' }
  const first = git('rev-list', '--max-parents=0', 'HEAD').split('\n')[0]
  return { base: first, why: 'the first commit (nothing released yet)' }
}

const { base, why } = findBase()
console.log(`check-changesets: comparing with ${base.slice(0, 12)} (${why})`)
// The workspace's own @changesets/cli (a root devDependency), whatever folder is checked.
const bin = createRequire(import.meta.url).resolve('@changesets/cli/bin.js')
const result = spawnSync(process.execPath, [bin, 'status', `--since=${base}`], {
  cwd: root,
  encoding: 'utf8',
})
process.stdout.write(result.stdout ?? '')
process.stderr.write(result.stderr ?? '')
if (result.status !== 0) {
  console.error('check-changesets: a published package changed without a changeset (add one: pnpm changeset)')
  process.exit(1)
}
