// The feed in its own process, driven over IPC by consumer.ts, so that encoding and sending never
// share a core's event loop with the consumer being measured.
import { startBinanceFeed } from './binance-feed.js'
import { startCoinoneFeed } from './coinone-feed.js'
import { type FeedKind, startFeed } from './feed.js'

type Command =
  | { readonly cmd: 'wait'; readonly kind: FeedKind; readonly count: number }
  | { readonly cmd: 'burst'; readonly kind: FeedKind; readonly count: number }
  | { readonly cmd: 'pace'; readonly perSecond: number; readonly seconds: number }
  | { readonly cmd: 'close' }

const send = (message: unknown) => process.send?.(message)
// argv: markets, then the exchange whose format the feed speaks (upbit by default).
const markets = Number(process.argv[2] ?? 1)
const feed =
  process.argv[3] === 'binance'
    ? await startBinanceFeed(markets)
    : process.argv[3] === 'coinone'
      ? await startCoinoneFeed(markets)
      : await startFeed(markets)
process.on('message', async (message: Command) => {
  switch (message.cmd) {
    case 'wait':
      await feed.subscribers(message.kind, message.count)
      return send({ type: 'subscribed' })
    case 'burst':
      return send({ type: 'burst', sent: await feed.burst(message.kind, message.count) })
    case 'pace': {
      const sends = await feed.pace(message.perSecond, message.seconds)
      return send({ type: 'paced', sends: [...sends] })
    }
    case 'close':
      await feed.close()
      process.exit(0)
  }
})
send({ type: 'urls', restUrl: feed.restUrl, wsUrl: feed.wsUrl })
