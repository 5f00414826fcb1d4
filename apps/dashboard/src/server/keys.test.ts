import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { addKey, listKeys, loadKey, removeKey } from './keys.js'

const dir = mkdtempSync(join(tmpdir(), 'bb-keys-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const ACCESS = 'AKIAexampleAccessKey123'
const SECRET = 'super-secret-key-material-0987654321'

describe('key storage (scrypt + AES-256-GCM)', () => {
  it('round-trips credentials, and the file holds neither key in clear (mode 600)', async () => {
    const file = join(dir, 'a.json')
    const stored = await addKey({
      file,
      name: 'main',
      accessKey: ACCESS,
      secretKey: SECRET,
      passphrase: 'correct horse',
    })
    expect(stored).toMatchObject({ name: 'main', exchange: 'upbit', accessKeyHint: 'AKIA… (23 characters)' })
    const text = readFileSync(file, 'utf8')
    expect(text).not.toContain(SECRET)
    expect(text).not.toContain(ACCESS)
    expect(statSync(file).mode & 0o777).toBe(0o600)
    expect(await loadKey('main', 'correct horse', file)).toEqual({ accessKey: ACCESS, secretKey: SECRET })
    expect((await listKeys(file)).map((k) => k.name)).toEqual(['main'])
  })

  it('a wrong passphrase or a changed file fails typed, naming no secret', async () => {
    const file = join(dir, 'b.json')
    await addKey({ file, name: 'main', accessKey: ACCESS, secretKey: SECRET, passphrase: 'correct horse' })
    const wrong = await loadKey('main', 'battery staple', file).catch((e: unknown) => e as Error)
    expect(wrong).toMatchObject({ name: 'AuthenticationError' })
    expect(String((wrong as Error).message)).not.toContain('battery')
    // Tamper: rename the entry (bound as associated data) — decryption must refuse it.
    const content = JSON.parse(readFileSync(file, 'utf8'))
    content.keys[0].name = 'other'
    writeFileSync(file, JSON.stringify(content))
    await expect(loadKey('other', 'correct horse', file)).rejects.toMatchObject({
      name: 'AuthenticationError',
    })
  })

  it('removes entries and rejects bad input with the parameter named', async () => {
    const file = join(dir, 'c.json')
    await addKey({ file, name: 'x', accessKey: ACCESS, secretKey: SECRET, passphrase: 'correct horse' })
    expect(await removeKey('x', file)).toBe(true)
    expect(await removeKey('x', file)).toBe(false)
    await expect(
      addKey({ file, name: 'bad name', accessKey: ACCESS, secretKey: SECRET, passphrase: 'correct horse' }),
    ).rejects.toMatchObject({ param: 'name' })
    await expect(
      addKey({ file, name: 'ok', accessKey: ACCESS, secretKey: SECRET, passphrase: 'short' }),
    ).rejects.toMatchObject({ param: 'passphrase' })
  })
})
