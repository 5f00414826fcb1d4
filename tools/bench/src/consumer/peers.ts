/**
 * The three consumers compared, each written the way its user would write it:
 * - `raw`: `ws` + `JSON.parse` of every frame, nothing else (the ceiling);
 * - `ccxt`: ccxt.pro's `upbit` with only its URLs changed, in a `watch*` loop (the peer);
 * - `backbone`: `createBackbone().trades$() / orderbook$() / ticker$()` (the library).
 * `onValue(id)` is called once per value handed to user code; `id` is the trade id for trades.
 */
// Each consumer imports its library only when it starts, so that a process's RSS is its own
// consumer's (ccxt alone loads more than 100 MB of code).
import WebSocket from 'ws'
import type { FeedKind } from './feed.js'

/** The name of a consumer. */
export type PeerName = 'raw' | 'ccxt' | 'backbone'

/** Where the feed is and what to take from it. */
export interface PeerTarget {
  readonly restUrl: string
  readonly wsUrl: string
  readonly kind: FeedKind
  readonly codes: readonly string[]
}

type Start = (target: PeerTarget, onValue: (id: string) => void) => Promise<() => Promise<void>>

const raw: Start = async ({ wsUrl, kind, codes }, onValue) => {
  const socket = new WebSocket(wsUrl, { perMessageDeflate: false })
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject))
  const decoder = new TextDecoder()
  socket.on('message', (data: Buffer) => {
    const frame = JSON.parse(decoder.decode(data)) as { type?: string; sequential_id?: number }
    if (frame.type === kind) onValue(String(frame.sequential_id ?? ''))
  })
  socket.send(JSON.stringify([{ ticket: 'bench-raw' }, { type: kind, codes, is_only_realtime: true }]))
  return async () => socket.close()
}

const unified = (code: string) => {
  const [quote, base] = code.split('-')
  return `${base}/${quote}`
}

const ccxtPro: Start = async ({ restUrl, wsUrl, kind, codes }, onValue) => {
  const { default: ccxt } = await import('ccxt')
  const upbit = new ccxt.pro.upbit()
  upbit.urls.api = { ...upbit.urls.api, public: restUrl, private: restUrl, ws: wsUrl }
  await upbit.loadHttpProxyAgent() // ccxt's requirement for plain ws:// URLs
  await upbit.loadMarkets()
  const symbols = codes.map(unified)
  let running = true
  const loop = async () => {
    while (running) {
      try {
        if (kind === 'trade') {
          for (const t of await upbit.watchTradesForSymbols(symbols)) onValue(String(t.id))
        } else if (kind === 'orderbook') {
          await upbit.watchOrderBook(symbols[0] as string)
          onValue('')
        } else {
          const tickers = await upbit.watchTickers(symbols)
          for (const _ of Object.keys(tickers)) onValue('')
        }
      } catch (error) {
        if (running) throw error
      }
    }
  }
  const done = loop()
  return async () => {
    running = false
    await upbit.close()
    await done.catch(() => undefined)
  }
}

const backbone: Start = async ({ restUrl, wsUrl, kind, codes }, onValue) => {
  const { createBackbone } = await import('@bb/router')
  const bb = createBackbone({ exchange: 'upbit', restUrl, wsUrl })
  // TRACE_EVENTS=1: the backbone's events (gaps, failovers, back-fills…) on stderr, with the time,
  // to see why a run delivered less than the wire carried.
  const events = process.env.TRACE_EVENTS
    ? bb.events$.subscribe((event) =>
        process.stderr.write(`${new Date().toISOString()} backbone event ${JSON.stringify(event)}\n`),
      )
    : undefined
  const stream =
    kind === 'trade'
      ? bb.trades$(codes).subscribe((t) => onValue(t.id))
      : kind === 'orderbook'
        ? bb.orderbook$(codes).subscribe(() => onValue(''))
        : bb.ticker$(codes).subscribe(() => onValue(''))
  return async () => {
    stream.unsubscribe()
    events?.unsubscribe()
    await bb.close()
  }
}

/** Every consumer by name. */
export const PEERS: Readonly<Record<PeerName, Start>> = { raw, ccxt: ccxtPro, backbone }
