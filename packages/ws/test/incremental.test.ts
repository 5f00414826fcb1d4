import type { ExchangeAdapter } from '@bb/exchange-adapter'
import { upbit } from '@bb/upbit'
import { describe, expect, it } from 'vitest'
import { type WebSocket, WebSocketServer } from 'ws'
import { createWsClient } from '../src/index.js'
import { until } from './helpers.js'

// An adapter whose subscriptions add, one topic a frame (as Coinone's do): the client sends only
// the topics a socket does not carry yet, an unsubscribe frame for a dropped one, and every topic
// again on a new socket. The server only records what it receives.
const incremental: ExchangeAdapter = {
  ...upbit,
  ws: {
    ...upbit.ws,
    buildSubscriptionFrames: (options, action = 'subscribe') =>
      options.streams.flatMap((s) =>
        (s.symbols ?? []).map((symbol) => {
          const payload = { action, kind: s.kind, symbol }
          return { endpoint: 'public' as const, text: JSON.stringify(payload), payload }
        }),
      ),
  },
}

async function recorder() {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' })
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()))
  const frames: { socket: number; action: string; symbol: string }[] = []
  const sockets: WebSocket[] = []
  wss.on('connection', (ws) => {
    const n = sockets.push(ws)
    ws.on('message', (d) => {
      const text = String(d)
      if (!text.startsWith('{')) return // the client's text PINGs
      const m = JSON.parse(text) as { action?: string; symbol?: string }
      if (m.action) frames.push({ socket: n, action: m.action, symbol: m.symbol ?? '' })
    })
  })
  const { port } = wss.address() as { port: number }
  return {
    url: `ws://127.0.0.1:${port}/`,
    frames,
    sockets,
    close: () => new Promise<void>((resolve) => wss.close(() => resolve())),
  }
}

describe('incremental subscriptions (adapter.ws.buildSubscriptionFrames)', () => {
  it('new topics only, one frame each; unsubscribe frames for dropped ones; all again after a reconnect', async () => {
    const server = await recorder()
    const client = createWsClient({
      adapter: incremental,
      url: server.url,
      lingerMs: 5000,
      reconnect: { initialDelayMs: 50, maxDelayMs: 100, random: () => 0.5 },
    })
    try {
      const btc = client.trades$('KRW-BTC').subscribe()
      await until(() => server.frames.length === 1, 10_000, 'the BTC frame')
      const eth = client.trades$('KRW-ETH').subscribe()
      await until(() => server.frames.length === 2, 3_000, 'the ETH frame').catch((e) => {
        throw new Error(
          `${e.message}: ${JSON.stringify({ frames: server.frames, sockets: server.sockets.length, stats: client.stats() })}`,
        )
      })
      expect(server.frames).toEqual([
        { socket: 1, action: 'subscribe', symbol: 'KRW-BTC' },
        { socket: 1, action: 'subscribe', symbol: 'KRW-ETH' },
      ])
      eth.unsubscribe()
      await until(() => server.frames.length === 3, 10_000, 'the ETH unsubscribe frame')
      expect(server.frames[2]).toEqual({ socket: 1, action: 'unsubscribe', symbol: 'KRW-ETH' })
      // A new socket carries nothing: the remaining topic is sent again there.
      server.sockets[0]!.terminate()
      await until(() => server.frames.length === 4, 10_000, 'the resubscription')
      expect(server.frames[3]).toEqual({ socket: 2, action: 'subscribe', symbol: 'KRW-BTC' })
      expect(client.stats().requestsSent).toBe(4)
      btc.unsubscribe()
    } finally {
      await client.close()
      await server.close()
    }
  })
})
