import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

// The examples are the READMEs' promises: run the built files and check what they print.
const run = (file: string) =>
  execFileSync(process.execPath, [join(import.meta.dirname, '..', 'dist', file)], { encoding: 'utf8' })
    .trim()
    .split('\n')

describe('README examples', () => {
  it('models: exact prices, ids, paths and interval helpers', () => {
    expect(run('models.js')).toEqual([
      '116539000 0.0007772 17877285547970000123',
      '90574.1108',
      '"116539000"',
      'price',
      '2025-06-25T00:00:00.000Z',
      '0.3 4h',
    ])
  })

  it('errors: classes, retryability and redaction', () => {
    const lines = run('errors.js')
    expect(lines.slice(0, 3)).toEqual([
      'rate_limit 250 false',
      'true',
      'Rate limit exceeded for group "ticker" on upbit.',
    ])
    expect(lines).toContain('network true')
    expect(lines.at(-1)).toBe('{"headers":{"Authorization":"[REDACTED]"}}')
  })
})
