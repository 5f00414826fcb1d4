// One soak consumer in its own process, driven over IPC by memory.ts: it subscribes everything,
// then on `begin` samples process.memoryUsage() every `sampleSeconds` for `seconds` (forcing no
// collection) and reports the samples and the values it handed to user code per kind.
import type { FeedKind } from '../consumer/feed.js'
import { SOAK_PEERS, type SoakPeer } from './consumers.js'

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
