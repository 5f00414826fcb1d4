import { createCipheriv, createDecipheriv, randomBytes, scrypt } from 'node:crypto'
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { dirname, join } from 'node:path'
import { AuthenticationError, InvalidRequestError } from '@bb/errors'

// Exchange API keys at rest: one JSON file, each entry sealed with AES-256-GCM under a key derived
// from a passphrase with scrypt (a fresh salt and IV per entry). The file never holds a secret in
// clear; the passphrase comes from the caller (a prompt or BB_KEYS_PASSPHRASE) and is never stored.

/** The environment variable that may hold the passphrase. */
export const PASSPHRASE_ENV = 'BB_KEYS_PASSPHRASE'
/** The environment variable that may name the key file. */
export const KEY_FILE_ENV = 'BB_KEYS_FILE'

/** Where keys are kept: `BB_KEYS_FILE`, else `~/.backbone/keys.json`. */
export function defaultKeyFile(): string {
  return process.env[KEY_FILE_ENV] ?? join(homedir(), '.backbone', 'keys.json')
}

/** One stored key as listed: never the secret, only a hint of the access key. */
export interface StoredKeyInfo {
  /** The entry's name, e.g. `upbit-main`. */
  readonly name: string
  /** The exchange, e.g. `upbit`. */
  readonly exchange: string
  /** The first 4 characters of the access key and its length. */
  readonly accessKeyHint: string
  /** When it was added, ISO 8601. */
  readonly createdAt: string
}

/** Decrypted credentials, for the live executor only. */
export interface Credentials {
  /** The exchange's access key. */
  readonly accessKey: string
  /** The exchange's secret key. */
  readonly secretKey: string
}

interface Entry extends StoredKeyInfo {
  readonly salt: string
  readonly iv: string
  readonly tag: string
  readonly data: string
}
interface KeyFile {
  readonly version: 1
  readonly keys: Entry[]
}

const SCRYPT = { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 } as const
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/

const bad = (param: string, message: string) => new InvalidRequestError({ param, channel: 'local', message })

function derive(passphrase: string, salt: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(passphrase, salt, 32, SCRYPT, (error, key) => (error ? reject(error) : resolve(key))),
  )
}

function checkPassphrase(passphrase: unknown): string {
  if (typeof passphrase !== 'string' || passphrase.length < 8)
    throw bad(
      'passphrase',
      `The passphrase must be at least 8 characters (set ${PASSPHRASE_ENV} or type it).`,
    )
  return passphrase
}

async function readKeys(file: string): Promise<KeyFile> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, keys: [] }
    throw error
  }
  const parsed = JSON.parse(text) as KeyFile
  if (parsed?.version !== 1 || !Array.isArray(parsed.keys))
    throw bad('file', `${file} is not a Backbone key file (version 1).`)
  return parsed
}

async function writeKeys(file: string, content: KeyFile): Promise<void> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 })
  const temp = `${file}.${process.pid}.tmp`
  await writeFile(temp, `${JSON.stringify(content, null, 2)}\n`, { mode: 0o600 })
  await chmod(temp, 0o600)
  await rename(temp, file)
}

/** Options of {@link addKey}. */
export interface AddKeyOptions extends Credentials {
  /** The entry's name. */
  readonly name: string
  /** The exchange. @default 'upbit' */
  readonly exchange?: string
  /** Encrypts the entry. */
  readonly passphrase: string
  /** The key file. @default defaultKeyFile() */
  readonly file?: string
}

/** Encrypts and stores credentials under `name` (replacing an entry of that name). */
export async function addKey(options: AddKeyOptions): Promise<StoredKeyInfo> {
  if (typeof options.name !== 'string' || !NAME.test(options.name))
    throw bad(
      'name',
      `A key name is letters, digits, _ . - (≤ 64) (got ${JSON.stringify(String(options.name))}).`,
    )
  for (const field of ['accessKey', 'secretKey'] as const)
    if (typeof options[field] !== 'string' || options[field].trim().length < 8)
      throw bad(field, `"${field}" must be the exchange's key (at least 8 characters).`)
  const passphrase = checkPassphrase(options.passphrase)
  const file = options.file ?? defaultKeyFile()
  const content = await readKeys(file)
  const salt = randomBytes(16)
  const iv = randomBytes(12)
  const key = await derive(passphrase, salt)
  const cipher = createCipheriv('aes-256-gcm', key, iv)
  cipher.setAAD(Buffer.from(options.name))
  const plain = JSON.stringify({ accessKey: options.accessKey.trim(), secretKey: options.secretKey.trim() })
  const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()])
  const access = options.accessKey.trim()
  const entry: Entry = {
    name: options.name,
    exchange: options.exchange ?? 'upbit',
    accessKeyHint: `${access.slice(0, 4)}… (${access.length} characters)`,
    createdAt: new Date().toISOString(),
    salt: salt.toString('base64'),
    iv: iv.toString('base64'),
    tag: cipher.getAuthTag().toString('base64'),
    data: data.toString('base64'),
  }
  await writeKeys(file, { version: 1, keys: [...content.keys.filter((k) => k.name !== options.name), entry] })
  return info(entry)
}

const info = (e: Entry): StoredKeyInfo => ({
  name: e.name,
  exchange: e.exchange,
  accessKeyHint: e.accessKeyHint,
  createdAt: e.createdAt,
})

/** The stored entries, without decrypting anything. */
export async function listKeys(file = defaultKeyFile()): Promise<StoredKeyInfo[]> {
  return (await readKeys(file)).keys.map(info)
}

/** Removes the entry `name`; resolves `false` when there was none. */
export async function removeKey(name: string, file = defaultKeyFile()): Promise<boolean> {
  const content = await readKeys(file)
  const keys = content.keys.filter((k) => k.name !== name)
  if (keys.length === content.keys.length) return false
  await writeKeys(file, { version: 1, keys })
  return true
}

/**
 * Decrypts the entry `name` for the live executor. A wrong passphrase or a tampered file fails
 * with an `AuthenticationError` that names neither the passphrase nor any key.
 */
export async function loadKey(
  name: string,
  passphrase: string,
  file = defaultKeyFile(),
): Promise<Credentials> {
  const entry = (await readKeys(file)).keys.find((k) => k.name === name)
  if (!entry) throw bad('name', `No stored key named ${JSON.stringify(name)} in ${file} (bb keys list).`)
  const key = await derive(checkPassphrase(passphrase), Buffer.from(entry.salt, 'base64'))
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(entry.iv, 'base64'))
    decipher.setAAD(Buffer.from(entry.name))
    decipher.setAuthTag(Buffer.from(entry.tag, 'base64'))
    const plain = Buffer.concat([decipher.update(Buffer.from(entry.data, 'base64')), decipher.final()])
    return JSON.parse(plain.toString('utf8')) as Credentials
  } catch {
    throw new AuthenticationError({
      channel: 'local',
      message: `Could not decrypt the stored key ${JSON.stringify(name)}: wrong passphrase, or the file was changed.`,
    })
  }
}
