import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'

const here = dirname(fileURLToPath(import.meta.url))
const repo = join(here, '..', '..')
const script = join(here, 'check-changesets.mjs')

const scratch: string[] = []
afterAll(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true })
})

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd, encoding: 'utf8' })

/** A full-history clone of this repository's HEAD, on a branch named `branch`. */
function cloneOn(branch: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'bb-changesets-'))
  scratch.push(dir)
  git(repo, 'clone', '--quiet', '--no-hardlinks', repo, dir)
  git(dir, 'checkout', '--quiet', '-B', branch)
  return dir
}

const run = (cwd: string, env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [script, cwd], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, CI: 'false', CHANGESET_BASE: '', ...env },
  })

describe('check-changesets', () => {
  it('passes on main while every changed package has a changeset', () => {
    const dir = cloneOn('main')
    const result = run(dir)
    expect(result.stdout).toContain('first commit')
    expect(result.status, result.stdout + result.stderr).toBe(0)
  })

  it('fails when a published package changed since the base without a changeset', () => {
    const dir = cloneOn('main')
    // Every pending changeset released (removed), then a change to @bb/errors without one.
    for (const file of readdirSync(join(dir, '.changeset'))) {
      if (file.endsWith('.md') && file !== 'README.md') rmSync(join(dir, '.changeset', file))
    }
    git(dir, 'commit', '--quiet', '-am', 'release')
    git(dir, 'tag', '@bb/errors@0.1.0')
    writeFileSync(join(dir, 'packages', 'errors', 'src', 'added.ts'), 'export const added = 1\n')
    git(dir, 'add', '.')
    git(dir, 'commit', '--quiet', '-m', 'errors: a change without a changeset')
    const result = run(dir)
    expect(result.stdout).toContain('newest release tag')
    expect(result.status).toBe(1)
    expect(result.stdout + result.stderr).toMatch(/@bb\/errors/)
  })

  it('on a branch, compares with its merge-base: a private app may change without a changeset', () => {
    const dir = cloneOn('main')
    git(dir, 'checkout', '--quiet', '-b', 'feature')
    writeFileSync(join(dir, 'apps', 'cli', 'src', 'added.ts'), 'export const added = 1\n')
    git(dir, 'add', '.')
    git(dir, 'commit', '--quiet', '-m', 'cli: an ignored package')
    const result = run(dir)
    expect(result.stdout).toContain('merge-base with main')
    expect(result.status, result.stdout + result.stderr).toBe(0)
  })
})
