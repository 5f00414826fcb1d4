// One soak consumer in its own process, driven over IPC by memory.ts: it subscribes everything,
// then on `begin` samples process.memoryUsage() every `sampleSeconds` for `seconds` (forcing no
// collection) and reports the samples and the values it handed to user code per kind.
import WebSocket from 'ws'
import type { FeedKind } from '../consumer/feed.js'

/*
 * The soak's three consumers, each subscribing trades, tickers and order books of every market
 * the way its user would (compare src/consumer/peers.ts, which takes one kind at a time):
 * - `raw`: one `ws` socket, one Upbit request for the three types, `JSON.parse` of every frame;
 * - `ccxt`: ccxt.pro's `upbit` with only its URLs changed: a `watchTradesForSymbols` loop, a
 *   `watchTickers` loop and one `watchOrderBook` loop per market (upbit has no
 *   `watchOrderBookForSymbols`);
 * - `backbone`: `createBackbone()` with `trades$(markets)`, `ticker$(markets)`, `orderbook$(markets)`.
 * `seen(kind, market)` is called once per value handed to user code. Each consumer imports its
 * library only when it starts, so that a process's memory is its own consumer's.
 */
/** The name of a soak consumer. */
export type SoakPeer = 'raw' | 'ccxt' | 'backbone'

/** Where the feed is and which markets (Upbit codes, `KRW-BTC`) to take. */
interface SoakTarget {
  readonly restUrl: string
  readonly wsUrl: string
  readonly codes: readonly string[]
}

type Seen = (kind: FeedKind, market: string) => void
/** Starts a consumer; resolves with its `stop`. `onError` hears errors a watch loop survived. */
type Start = (
  target: SoakTarget,
  seen: Seen,
  onError: (error: unknown) => void,
) => Promise<() => Promise<void>>

const raw: Start = async ({ wsUrl, codes }, seen) => {
  const socket = new WebSocket(wsUrl, { perMessageDeflate: false })
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject))
  const decoder = new TextDecoder()
  socket.on('message', (data: Buffer) => {
    const frame = JSON.parse(decoder.decode(data)) as { type?: string; code?: string }
    if (frame.type === 'trade' || frame.type === 'ticker' || frame.type === 'orderbook')
      seen(frame.type, frame.code ?? '')
  })
  socket.send(
    JSON.stringify([
      { ticket: 'soak-raw' },
      { type: 'trade', codes },
      { type: 'ticker', codes },
      { type: 'orderbook', codes },
    ]),
  )
  return async () => socket.close()
}

const ccxt: Start = async ({ restUrl, wsUrl, codes }, seen, onError) => {
  const { default: ccxtModule } = await import('ccxt')
  const upbit = new ccxtModule.pro.upbit()
  upbit.urls.api = { ...upbit.urls.api, public: restUrl, private: restUrl, ws: wsUrl }
  await upbit.loadHttpProxyAgent() // ccxt's requirement for plain ws:// URLs
  await upbit.loadMarkets()
  const symbols = codes.map((c) => {
    const [quote, base] = c.split('-')
    return `${base}/${quote}`
  })
  let running = true
  // A user's loop: watch, use, and on an error note it and watch again a moment later.
  const loop = async (watch: () => Promise<void>) => {
    while (running) {
      try {
        await watch()
      } catch (error) {
        if (!running) return
        onError(error)
        await new Promise((resolve) => setTimeout(resolve, 1000))
      }
    }
  }
  const loops = [
    loop(async () => {
      for (const t of await upbit.watchTradesForSymbols(symbols)) seen('trade', t.symbol ?? '')
    }),
    loop(async () => {
      for (const t of Object.values(await upbit.watchTickers(symbols))) seen('ticker', t.symbol ?? '')
    }),
    ...symbols.map((symbol) =>
      loop(async () => {
        const book = await upbit.watchOrderBook(symbol)
        seen('orderbook', book.symbol ?? symbol)
      }),
    ),
  ]
  return async () => {
    running = false
    await upbit.close()
    await Promise.all(loops.map((l) => l.catch(() => undefined)))
  }
}

const backbone: Start = async ({ restUrl, wsUrl, codes }, seen) => {
  const { createBackbone } = await import('@bb/router')
  const bb = createBackbone({ exchange: 'upbit', restUrl, wsUrl })
  const subscriptions = [
    bb.trades$(codes).subscribe((t) => seen('trade', t.symbol)),
    bb.ticker$(codes).subscribe((t) => seen('ticker', t.symbol)),
    bb.orderbook$(codes).subscribe((b) => seen('orderbook', b.symbol)),
  ]
  return async () => {
    for (const s of subscriptions) s.unsubscribe()
    await bb.close()
  }
}

const SOAK_PEERS: Readonly<Record<SoakPeer, Start>> = { raw, ccxt, backbone }

type Command =
  | { readonly cmd: 'begin'; readonly seconds: number; readonly sampleSeconds: number }
  | { readonly cmd: 'close' }

const send = (message: unknown) => process.send?.(message)
const { peer, target } = JSON.parse(process.argv[2] as string) as {
  peer: SoakPeer
  target: { restUrl: string; wsUrl: string; codes: string[] }
}

const counts: Record<FeedKind, number> = { trade: 0, ticker: 0, orderbook: 0 }
const markets: Record<FeedKind, Set<string>> = { trade: new Set(), ticker: new Set(), orderbook: new Set() }
let errors = 0
let firstError: string | undefined
const stop = await SOAK_PEERS[peer](
  target,
  (kind, market) => {
    counts[kind]++
    markets[kind].add(market)
  },
  (error) => {
    errors++
    firstError ??= String(error)
  },
)
send({ type: 'started' })

process.on('message', async (message: Command) => {
  switch (message.cmd) {
    case 'begin': {
      const start = performance.now()
      const samples: { t: number; rss: number; heapUsed: number }[] = []
      const sample = () => {
        const { rss, heapUsed } = process.memoryUsage()
        samples.push({ t: (performance.now() - start) / 1000, rss, heapUsed })
      }
      sample()
      await new Promise<void>((resolve) => {
        const timer = setInterval(() => {
          sample()
          if (performance.now() - start >= message.seconds * 1000 - 50) {
            clearInterval(timer)
            resolve()
          }
        }, message.sampleSeconds * 1000)
      })
      return send({
        type: 'samples',
        samples,
        counts,
        markets: {
          trade: markets.trade.size,
          ticker: markets.ticker.size,
          orderbook: markets.orderbook.size,
        },
        errors,
        firstError,
      })
    }
    case 'close':
      await stop().catch(() => undefined)
      process.exit(0)
  }
})
