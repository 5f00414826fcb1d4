import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { loadKey } from '@bb/dashboard'
import { afterAll, describe, expect, it } from 'vitest'

const bin = join(import.meta.dirname, '..', 'dist', 'bin.js')
const dir = mkdtempSync(join(tmpdir(), 'bb-keys-cli-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const run = async (args: string[], env: Record<string, string>) => {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [bin, ...args], {
      env: { ...process.env, ...env },
      timeout: 60_000,
    })
    return { code: 0, stdout, stderr }
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string }
    return { code: e.code, stdout: e.stdout, stderr: e.stderr }
  }
}

describe('bb keys', () => {
  it('add / list / remove, encrypted at rest, no secret printed', async () => {
    const file = join(dir, 'keys.json')
    const env = {
      BB_KEYS_PASSPHRASE: 'a long passphrase',
      UPBIT_ACCESS_KEY: 'ACCESS-1234567890',
      UPBIT_SECRET_KEY: 'SECRET-abcdefghijklmnop',
    }
    const added = await run(['keys', 'add', 'main', '--file', file], env)
    expect(added.code).toBe(0)
    expect(added.stdout).toBe('stored main (access key ACCE… (17 characters)), encrypted\n')
    expect(readFileSync(file, 'utf8')).not.toContain('SECRET-abcdefghijklmnop')
    expect(await loadKey('main', 'a long passphrase', file)).toEqual({
      accessKey: 'ACCESS-1234567890',
      secretKey: 'SECRET-abcdefghijklmnop',
    })
    const listed = await run(['keys', 'list', '--file', file], {})
    expect(listed.stdout).toMatch(/^main {2}upbit {2}access key ACCE… \(17 characters\) {2}added \d{4}-/)
    expect(listed.stdout + added.stdout + added.stderr).not.toContain('SECRET')
    expect((await run(['keys', 'remove', 'main', '--file', file], {})).stdout).toBe('removed main\n')
    expect((await run(['keys', 'list', '--file', file], {})).stdout).toBe('no stored keys\n')
  })

  it('refuses to store without a passphrase (exit 2, the variable named)', async () => {
    const r = await run(['keys', 'add', 'main', '--file', join(dir, 'x.json')], { BB_KEYS_PASSPHRASE: '' })
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('BB_KEYS_PASSPHRASE')
  })
})
