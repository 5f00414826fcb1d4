/**
 * Test helpers. The JWT signer here is written independently of the simulator's code (plain
 * node:crypto, as a third-party client would do) so the tests check the sim against the spec,
 * not against itself.
 */
import { createHash, createHmac, randomUUID } from 'node:crypto'
import WebSocket from 'ws'
import { type Sim, type StartSimOptions, startSim } from '../src/index.js'

/** Starts a sim on port 0 with a manual clock by default; remember to close it. */
export async function start(options: StartSimOptions = {}): Promise<Sim> {
  return startSim({ seed: 7, markets: 6, speed: 0, ...options })
}

/** Upbit JWT as a client builds it. */
export function token(
  accessKey: string,
  secretKey: string,
  opts: { query?: string; alg?: 'HS256' | 'HS512'; nonce?: string; hash?: string } = {},
): string {
  const alg = opts.alg ?? 'HS256'
  const payload: Record<string, string> = { access_key: accessKey, nonce: opts.nonce ?? randomUUID() }
  if (opts.query !== undefined) {
    payload.query_hash = opts.hash ?? createHash('sha512').update(opts.query, 'utf8').digest('hex')
    payload.query_hash_alg = 'SHA512'
  }
  const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url')
  const head = enc({ alg, typ: 'JWT' })
  const body = enc(payload)
  const sig = createHmac(alg === 'HS256' ? 'sha256' : 'sha512', secretKey)
    .update(`${head}.${body}`)
    .digest('base64url')
  return `${head}.${body}.${sig}`
}

/** Keys of the default account. */
export const KEYS = { accessKey: 'sim-access-key', secretKey: 'sim-secret-key' } as const

/** Signed private request. `query` is the unencoded query string; `body` is sent as JSON. */
export async function priv(
  sim: Sim,
  method: 'GET' | 'POST' | 'DELETE',
  path: string,
  opts: {
    query?: string
    body?: Record<string, unknown>
    keys?: { accessKey: string; secretKey: string }
  } = {},
): Promise<{ status: number; json: unknown; text: string; headers: Headers }> {
  const keys = opts.keys ?? KEYS
  const hashed = opts.body
    ? Object.entries(opts.body)
        .map(([k, v]) => `${k}=${v}`)
        .join('&')
    : opts.query
  const auth = token(
    keys.accessKey,
    keys.secretKey,
    hashed === undefined || hashed === '' ? {} : { query: hashed },
  )
  const url = `${sim.restUrl}${path}${opts.query ? `?${encodeQuery(opts.query)}` : ''}`
  const init: RequestInit = { method, headers: { Authorization: `Bearer ${auth}` } }
  if (opts.body) {
    init.body = JSON.stringify(opts.body)
    init.headers = { ...init.headers, 'Content-Type': 'application/json; charset=utf-8' }
  }
  const res = await fetch(url, init)
  const text = await res.text()
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    json = undefined
  }
  return { status: res.status, json, text, headers: res.headers }
}

/** URL-encodes values of an unencoded query, leaving `[]` in names as Upbit expects. */
export function encodeQuery(query: string): string {
  return query
    .split('&')
    .map((pair) => {
      const i = pair.indexOf('=')
      return `${pair.slice(0, i)}=${encodeURIComponent(pair.slice(i + 1))}`
    })
    .join('&')
}

/** GET a public endpoint. */
export async function get(
  sim: Sim,
  path: string,
): Promise<{ status: number; json: unknown; text: string; headers: Headers }> {
  const res = await fetch(sim.restUrl + path)
  const text = await res.text()
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    json = undefined
  }
  return { status: res.status, json, text, headers: res.headers }
}

/** A WebSocket client that records decoded frames. */
export interface Client {
  readonly ws: WebSocket
  readonly frames: unknown[]
  readonly raw: { binary: boolean; text: string }[]
  send(v: unknown): void
  /** Waits until `pred` holds for the collected frames (bounded). */
  until(pred: (frames: unknown[]) => boolean, timeoutMs?: number): Promise<void>
  closed: Promise<{ code: number; reason: string }>
  close(): void
}

/** Opens a WebSocket and records every frame. */
export async function connect(url: string, headers: Record<string, string> = {}): Promise<Client> {
  const ws = new WebSocket(url, { headers })
  const frames: unknown[] = []
  const raw: { binary: boolean; text: string }[] = []
  const waiters = new Set<() => void>()
  ws.on('message', (data, binary) => {
    const text = Buffer.isBuffer(data) ? data.toString('utf8') : String(data)
    raw.push({ binary, text })
    try {
      frames.push(JSON.parse(text))
    } catch {
      frames.push({ unparsable: text })
    }
    for (const w of waiters) w()
  })
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => {
      resolve({ code, reason: reason.toString() })
      for (const w of waiters) w()
    }),
  )
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve())
    ws.once('error', reject)
  })
  ws.on('error', () => {})
  return {
    ws,
    frames,
    raw,
    closed,
    send: (v) => ws.send(typeof v === 'string' ? v : JSON.stringify(v)),
    until: (pred, timeoutMs = 15_000) =>
      new Promise<void>((resolve, reject) => {
        if (pred(frames)) return resolve()
        const check = () => {
          if (pred(frames)) {
            clearTimeout(timer)
            waiters.delete(check)
            resolve()
          }
        }
        const timer = setTimeout(() => {
          waiters.delete(check)
          reject(new Error(`timed out after ${timeoutMs} ms with ${frames.length} frames`))
        }, timeoutMs)
        waiters.add(check)
      }),
    close: () => ws.close(),
  }
}

/** Sleeps (real time). */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms))
}

/** Narrow helper for reading fields off parsed JSON. */
export type Obj = Record<string, unknown>
