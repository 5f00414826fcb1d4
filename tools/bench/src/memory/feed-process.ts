// The soak's feed in its own process (src/consumer/feed.ts, the consumer harness's Upbit-format
// server), driven over IPC by memory.ts: it streams trades, tickers and books at a paced rate.
import { type FeedKind, startFeed } from '../consumer/feed.js'

type Command =
  | { readonly cmd: 'stream'; readonly rates: Readonly<Record<FeedKind, number>> }
  | { readonly cmd: 'stop' }
  | { readonly cmd: 'close' }

const send = (message: unknown) => process.send?.(message)
const feed = await startFeed(Number(process.argv[2] ?? 1), { mergeParts: true })
let stop: (() => unknown) | undefined
process.on('message', async (message: Command) => {
  switch (message.cmd) {
    case 'stream':
      stop = feed.stream(message.rates)
      return send({ type: 'streaming' })
    case 'stop':
      return send({ type: 'stopped', sent: stop?.() })
    case 'close':
      await feed.close()
      process.exit(0)
  }
})
send({ type: 'urls', restUrl: feed.restUrl, wsUrl: feed.wsUrl })
