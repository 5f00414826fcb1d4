import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'

const UI = fileURLToPath(new URL('../dist/ui/', import.meta.url))
/** The budget of the issue: initial JS ≤ 150 KB gzipped. */
const BUDGET = 150 * 1024

describe('bundle budget', () => {
  it('keeps the initial JavaScript (entry + module preloads) at or under 150 KB gzipped', () => {
    const html = readFileSync(`${UI}index.html`, 'utf8')
    const scripts = [
      ...html.matchAll(/<(?:script[^>]*src|link[^>]*rel="modulepreload"[^>]*href)="\/?([^"]+\.js)"/g),
    ].map((m) => m[1]!)
    expect(scripts.length).toBeGreaterThan(0)
    const gzipped = scripts.reduce(
      (sum, file) => sum + gzipSync(readFileSync(`${UI}${file}`), { level: 9 }).length,
      0,
    )
    console.log(
      `initial JS: ${scripts.length} file(s), ${(gzipped / 1024).toFixed(1)} KB gzipped (budget 150 KB)`,
    )
    expect(gzipped).toBeLessThanOrEqual(BUDGET)
  })
})
