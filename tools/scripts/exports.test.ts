import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

// The public surface of every package, entry point by entry point: a name added, removed or
// changed in kind shows up here as a snapshot change to review (and to describe in a changeset).
const root = join(import.meta.dirname, '..', '..', 'packages')
const entries = readdirSync(root).flatMap((dir) => {
  const pkg = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')) as {
    name: string
    exports: Record<string, unknown>
  }
  return Object.keys(pkg.exports)
    .filter((subpath) => subpath !== './package.json')
    .map((subpath) => (subpath === '.' ? pkg.name : `${pkg.name}${subpath.slice(1)}`))
})

describe('export snapshot of every package', () => {
  it.each(entries)('%s', async (specifier) => {
    const mod = (await import(specifier)) as Record<string, unknown>
    const surface = Object.keys(mod)
      .sort()
      .map((name) => `${name}: ${typeof mod[name]}`)
    expect(surface.length).toBeGreaterThan(0)
    expect(surface).toMatchSnapshot()
  })
})
