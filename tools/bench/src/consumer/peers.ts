/**
 * The three consumers compared, each written the way its user would write it:
 * - `raw`: `ws` + `JSON.parse` of every frame, nothing else (the ceiling);
 * - `ccxt`: ccxt.pro's `upbit`, `binance` or `coinone` with only its URLs changed, in a `watch*` loop (the peer);
 * - `backbone`: `createBackbone({ exchange }).trades$() / orderbook$() / ticker$()` (the library).
 * `onValue(id)` is called once per value handed to user code; `id` is the trade id for trades.
 */
// Each consumer imports its library only when it starts, so that a process's RSS is its own
// consumer's (ccxt alone loads more than 100 MB of code).
import WebSocket from 'ws'
import type { FeedKind } from './feed.js'

/** The name of a consumer. */
export type PeerName = 'raw' | 'ccxt' | 'backbone'

/** The exchanges whose format the feeds speak. */
export type BenchExchange = 'upbit' | 'binance' | 'coinone'

/** Where the feed is and what to take from it. */
export interface PeerTarget {
  /** The feed's format; `codes` are its native symbols (`KRW-BTC`, `BTCUSDT`, `BTC/KRW`). @default 'upbit' */
  readonly exchange?: BenchExchange
  readonly restUrl: string
  readonly wsUrl: string
  readonly kind: FeedKind
  readonly codes: readonly string[]
}

type Start = (target: PeerTarget, onValue: (id: string) => void) => Promise<() => Promise<void>>

const raw: Start = async (target, onValue) => {
  if (target.exchange === 'binance') return rawBinance(target, onValue)
  if (target.exchange === 'coinone') return rawCoinone(target, onValue)
  const { wsUrl, kind, codes } = target
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

// Binance: the combined stream, one SUBSCRIBE, `JSON.parse` of every frame.
const rawBinance: Start = async ({ wsUrl, kind, codes }, onValue) => {
  const socket = new WebSocket(wsUrl, { perMessageDeflate: false })
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject))
  const event = kind === 'trade' ? 'trade' : 'depthUpdate'
  const suffix = kind === 'trade' ? '@trade' : '@depth@100ms'
  socket.on('message', (data: Buffer) => {
    const frame = JSON.parse(data.toString()) as { data?: { e?: string; t?: number } }
    if (frame.data?.e === event) onValue(String(frame.data.t ?? ''))
  })
  socket.send(
    JSON.stringify({ method: 'SUBSCRIBE', params: codes.map((c) => c.toLowerCase() + suffix), id: 1 }),
  )
  return async () => socket.close()
}

const COINONE_CHANNEL = { trade: 'TRADE', orderbook: 'ORDERBOOK', ticker: 'TICKER' } as const

// Coinone: one SUBSCRIBE per pair (one topic a frame), `JSON.parse` of every frame, a PING every 20 s.
const rawCoinone: Start = async ({ wsUrl, kind, codes }, onValue) => {
  const socket = new WebSocket(wsUrl, { perMessageDeflate: false })
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject))
  const channel = COINONE_CHANNEL[kind]
  socket.on('message', (data: Buffer) => {
    const frame = JSON.parse(data.toString()) as {
      response_type?: string
      channel?: string
      data?: { id?: string }
    }
    if (frame.response_type === 'DATA' && frame.channel === channel) onValue(frame.data?.id ?? '')
  })
  for (const code of codes) {
    const [base, quote] = code.split('/')
    socket.send(
      JSON.stringify({
        request_type: 'SUBSCRIBE',
        channel,
        topic: { quote_currency: quote, target_currency: base },
      }),
    )
  }
  const pinger = setInterval(() => socket.send('{"request_type":"PING"}'), 20_000)
  return async () => {
    clearInterval(pinger)
    socket.close()
  }
}

const unified = (exchange: BenchExchange | undefined, code: string) => {
  if (exchange === 'binance') return `${code.slice(0, -4)}/${code.slice(-4)}` // BTCUSDT → BTC/USDT
  if (exchange === 'coinone') return code // BTC/KRW already
  const [quote, base] = code.split('-')
  return `${base}/${quote}`
}

const ccxtPro: Start = async (target, onValue) => {
  if (target.exchange === 'binance') return ccxtBinance(target, onValue)
  if (target.exchange === 'coinone') return ccxtCoinone(target, onValue)
  const { restUrl, wsUrl, kind, codes } = target
  const { default: ccxt } = await import('ccxt')
  const upbit = new ccxt.pro.upbit()
  upbit.urls.api = { ...upbit.urls.api, public: restUrl, private: restUrl, ws: wsUrl }
  await upbit.loadHttpProxyAgent() // ccxt's requirement for plain ws:// URLs
  await upbit.loadMarkets()
  const symbols = codes.map((c) => unified('upbit', c))
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

// ccxt.pro's `binance` with only its URLs changed (REST `…/api/v3`, the raw-stream base `…/ws`) and
// only spot markets loaded (its default also loads the futures exchanges' markets).
const ccxtBinance: Start = async ({ restUrl, wsUrl, kind, codes }, onValue) => {
  const { default: ccxt } = await import('ccxt')
  const binance = new ccxt.pro.binance({ options: { fetchMarkets: { types: ['spot'] } } })
  const api = binance.urls.api as Record<string, unknown>
  binance.urls.api = {
    ...api,
    public: `${restUrl}/api/v3`,
    ws: { ...(api.ws as object), spot: wsUrl.replace(/\/stream$/, '/ws') },
  }
  await binance.loadHttpProxyAgent() // ccxt's requirement for plain ws:// URLs
  await binance.loadMarkets()
  const symbols = codes.map((c) => unified('binance', c))
  let running = true
  const loop = async () => {
    while (running) {
      try {
        if (kind === 'trade') {
          for (const t of await binance.watchTradesForSymbols(symbols)) onValue(String(t.id))
        } else {
          await binance.watchOrderBook(symbols[0] as string)
          onValue('')
        }
      } catch (error) {
        if (running) throw error
      }
    }
  }
  const done = loop()
  return async () => {
    running = false
    await binance.close()
    await done.catch(() => undefined)
  }
}

// ccxt.pro's `coinone` with only its URLs changed (`rest`, `v2Public` and `ws`). It has watchTrades,
// watchOrderBook and watchTicker of one symbol each (no watchTradesForSymbols, no watchTickers):
// one watch loop per pair, all on ccxt's one connection, as its user would write it.
const ccxtCoinone: Start = async ({ restUrl, wsUrl, kind, codes }, onValue) => {
  const { default: ccxt } = await import('ccxt')
  const coinone = new ccxt.pro.coinone()
  coinone.urls.api = {
    ...(coinone.urls.api as Record<string, unknown>),
    rest: restUrl,
    v2Public: `${restUrl}/public/v2`,
    ws: wsUrl,
  }
  await coinone.loadHttpProxyAgent() // ccxt's requirement for plain ws:// URLs
  await coinone.loadMarkets()
  let running = true
  const loop = async (symbol: string) => {
    while (running) {
      try {
        if (kind === 'trade') {
          for (const t of await coinone.watchTrades(symbol)) onValue(String(t.id))
        } else if (kind === 'orderbook') {
          await coinone.watchOrderBook(symbol)
          onValue('')
        } else {
          await coinone.watchTicker(symbol)
          onValue('')
        }
      } catch (error) {
        if (running) throw error
      }
    }
  }
  const done = Promise.all(codes.map((c) => loop(unified('coinone', c))))
  return async () => {
    running = false
    await coinone.close()
    await done.catch(() => undefined)
  }
}

const backbone: Start = async ({ exchange = 'upbit', restUrl, wsUrl, kind, codes }, onValue) => {
  const { createBackbone } = await import('@bb/router')
  const bb = createBackbone({ exchange, restUrl, wsUrl })
  // TRACE_EVENTS=1: the backbone's events (gaps, failovers, back-fills…) on stderr, with the time,
  // to see why a run delivered less than the wire carried.
  const events = process.env.TRACE_EVENTS
    ? bb.events$.subscribe((event) =>
        process.stderr.write(`${new Date().toISOString()} backbone event ${JSON.stringify(event)}\n`),
      )
    : undefined
  const markets = exchange === 'binance' ? codes.map((c) => unified(exchange, c)) : codes
  const stream =
    kind === 'trade'
      ? bb.trades$(markets).subscribe((t) => onValue(t.id))
      : kind === 'orderbook'
        ? bb.orderbook$(markets).subscribe(() => onValue(''))
        : bb.ticker$(markets).subscribe(() => onValue(''))
  return async () => {
    stream.unsubscribe()
    events?.unsubscribe()
    await bb.close()
  }
}

/** Every consumer by name. */
export const PEERS: Readonly<Record<PeerName, Start>> = { raw, ccxt: ccxtPro, backbone }
