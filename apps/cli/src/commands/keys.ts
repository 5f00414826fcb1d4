import { addKey, listKeys, PASSPHRASE_ENV, removeKey } from '@bb/dashboard'
import { UsageError } from '../common.js'

/** Flags of `bb keys …`. */
export interface KeysFlags {
  file?: string | undefined
}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) return ''
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

/**
 * `bb keys add NAME` (keys from `UPBIT_ACCESS_KEY`/`UPBIT_SECRET_KEY`, or two lines on stdin:
 * access key then secret key; passphrase from `BB_KEYS_PASSPHRASE`), `bb keys list`,
 * `bb keys remove NAME`. Secrets are never taken as arguments (shell history, `ps`) and never printed.
 */
export async function keys(
  command: string,
  args: readonly string[],
  flags: KeysFlags,
  out = process.stdout,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const file = flags.file
  if (command === 'keys list') {
    const list = await listKeys(file)
    if (list.length === 0) out.write('no stored keys\n')
    for (const k of list)
      out.write(`${k.name}  ${k.exchange}  access key ${k.accessKeyHint}  added ${k.createdAt}\n`)
    return 0
  }
  const name = args[0]
  if (!name) throw new UsageError(`bb ${command} needs a NAME, e.g. bb ${command} upbit-main`)
  if (command === 'keys remove') {
    const removed = await removeKey(name, file)
    out.write(removed ? `removed ${name}\n` : `no stored key named ${name}\n`)
    return removed ? 0 : 1
  }
  const passphrase = env[PASSPHRASE_ENV]
  if (!passphrase) throw new UsageError(`set ${PASSPHRASE_ENV} to the passphrase that encrypts the key file`)
  let accessKey = env.UPBIT_ACCESS_KEY
  let secretKey = env.UPBIT_SECRET_KEY
  if (!accessKey || !secretKey) {
    const [a, s] = (await readStdin()).split(/\r?\n/)
    accessKey = a?.trim()
    secretKey = s?.trim()
  }
  if (!accessKey || !secretKey)
    throw new UsageError(
      'give the keys as UPBIT_ACCESS_KEY and UPBIT_SECRET_KEY, or as two lines on stdin (access key, then secret key)',
    )
  const stored = await addKey({ name, accessKey, secretKey, passphrase, ...(file ? { file } : {}) })
  out.write(`stored ${stored.name} (access key ${stored.accessKeyHint}), encrypted\n`)
  return 0
}
