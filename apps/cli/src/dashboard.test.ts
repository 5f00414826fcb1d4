import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

const bin = join(import.meta.dirname, '..', 'dist', 'bin.js')

describe('bb dashboard', () => {
  it('serves on 127.0.0.1 and prints a one-time URL that signs one browser in', async () => {
    const child = spawn(process.execPath, [bin, 'dashboard', '--markets', 'KRW-BTC', '--duration', '60'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    try {
      let output = ''
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no URL printed: ${output}`)), 45_000)
        child.stdout.on('data', (chunk: Buffer) => {
          output += chunk.toString()
          const match = /open (http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]+)/.exec(output)
          if (match) {
            clearTimeout(timer)
            resolve(match[1]!)
          }
        })
        child.on('exit', (code) => reject(new Error(`exited ${code}: ${output}`)))
      })
      expect(output).toContain('embedded simulator')
      const first = await fetch(url, { redirect: 'manual' })
      expect(first.status).toBe(303)
      const cookie = first.headers.get('set-cookie') ?? ''
      expect(cookie).toMatch(/^bb_session=[A-Za-z0-9_-]+; HttpOnly; SameSite=Strict/)
      // The token works once; the cookie is the session from then on.
      expect((await fetch(url, { redirect: 'manual' })).status).toBe(401)
      const origin = new URL(url).origin
      expect((await fetch(`${origin}/api/snapshot`)).status).toBe(401)
      const snapshot = await fetch(`${origin}/api/snapshot`, { headers: { cookie: cookie.split(';')[0]! } })
      expect(snapshot.status).toBe(200)
      expect(((await snapshot.json()) as { symbols: string[] }).symbols).toEqual(['KRW-BTC'])
    } finally {
      child.kill('SIGINT')
      await new Promise((resolve) => child.once('exit', resolve))
    }
  })
})
