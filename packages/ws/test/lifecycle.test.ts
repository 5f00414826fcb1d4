import { createServer, type Server, type Socket } from 'node:net'
import { ConnectionClosedError, InvalidRequestError, TimeoutError } from '@bb/errors'
import type { Trade } from '@bb/models'
import { startSim } from '@bb/sim'
import { upbit } from '@bb/upbit'
import type { Observable } from 'rxjs'
import { describe, expect, it } from 'vitest'
import { createWsClient, type StreamEvent, type WsStatus } from '../src/index.js'
import { rig, sleep, until } from './helpers.js'

/** A TCP server on 127.0.0.1 that accepts connections and never answers (no WebSocket upgrade). */
async function blackHole(): Promise<{ url: string; accepted: () => number; close(): Promise<void> }> {
  const sockets = new Set<Socket>()
  let accepted = 0
  const server: Server = createServer((socket) => {
    accepted++
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => {})
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  return {
    url: `ws://127.0.0.1:${port}/websocket/v1`,
    accepted: () => accepted,
    close: async () => {
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

describe('handshake timeout', () => {
  it('a server that accepts TCP and never answers the upgrade: abandoned, reported, retried with backoff', async () => {
    const hole = await blackHole()
    const client = createWsClient({
      adapter: upbit,
      url: hole.url,
      handshakeTimeoutMs: 200,
      reconnect: { initialDelayMs: 100, maxDelayMs: 400, random: () => 0.5 },
    })
    try {
      const statuses: WsStatus[] = []
      client.status$.subscribe((s) => statuses.push(s))
      const errors: unknown[] = []
      const sub = client.trades$('KRW-BTC').subscribe({ error: (e) => errors.push(e) })
      await until(() => client.stats().handshakeTimeouts >= 3, 10_000, 'three handshake timeouts')
      sub.unsubscribe()
      expect(errors).toEqual([])
      expect(hole.accepted()).toBeGreaterThanOrEqual(3)
      const timeouts = statuses.flatMap((s) => (s.type === 'error' ? [s.error] : []))
      expect(timeouts.length).toBeGreaterThanOrEqual(3)
      for (const error of timeouts) {
        expect(TimeoutError.isInstance(error)).toBe(true)
        expect(error).toMatchObject({ timeoutMs: 200, retryable: true })
      }
      const closed = statuses.find((s) => s.type === 'closed')
      expect(closed).toMatchObject({ code: 1006, reason: 'handshake timed out after 200 ms' })
      // the same policy as any failed connection: full jitter (random 0.5) under a doubling cap
      const attempts = statuses.flatMap((s) => (s.type === 'reconnecting' ? [s] : []))
      expect(attempts.slice(0, 3).map((s) => [s.attempt, s.delay])).toEqual([
        [1, 50],
        [2, 100],
        [3, 200],
      ])
      const connecting = statuses.flatMap((s) => (s.type === 'connecting' ? [s.attempt] : []))
      expect(connecting.slice(0, 3)).toEqual([0, 1, 2])
    } finally {
      await client.close()
      await hole.close()
    }
    expect(client.stats()).toMatchObject({ sockets: 0, timers: 0 })
  }, 20_000)

  it('with maxAttempts the stream errors once the attempts are used up', async () => {
    const hole = await blackHole()
    const client = createWsClient({
      adapter: upbit,
      url: hole.url,
      handshakeTimeoutMs: 150,
      reconnect: { initialDelayMs: 50, maxAttempts: 2 },
    })
    try {
      let error: unknown
      client.trades$('KRW-BTC').subscribe({ error: (e) => (error = e) })
      await until(() => error !== undefined, 10_000, 'the stream error')
      expect(ConnectionClosedError.isInstance(error)).toBe(true)
      expect(error).toMatchObject({ retryable: false })
      expect(client.stats().handshakeTimeouts).toBe(3)
    } finally {
      await client.close()
      await hole.close()
    }
  })

  it('rejects a bad handshakeTimeoutMs or heartbeat option with InvalidRequestError naming it', () => {
    const bad = [
      { handshakeTimeoutMs: 0 },
      { handshakeTimeoutMs: Number.NaN },
      { heartbeat: { idleMs: -1 } },
      { heartbeat: { probeTimeoutMs: Number.POSITIVE_INFINITY } },
      { heartbeat: { idleMs: 3000, silenceMs: 2000 } },
    ]
    for (const options of bad) {
      let error: unknown
      try {
        createWsClient({ adapter: upbit, ...options })
      } catch (e) {
        error = e
      }
      expect(InvalidRequestError.isInstance(error)).toBe(true)
      const param = (error as InvalidRequestError).param
      expect(param).toMatch(/handshakeTimeoutMs|heartbeat\.(idleMs|probeTimeoutMs|silenceMs)/)
    }
  })
})

describe('status$ replays the current state', () => {
  it('a late subscriber gets the state of every connection at once, then live events', async () => {
    const r = await rig({ tradesPerSecond: 20 }, { reconnect: { initialDelayMs: 50 } })
    try {
      const trades: Trade[] = []
      const sub = r.client.trades$('KRW-BTC').subscribe((t) => trades.push(t))
      await until(() => trades.length > 0, 5000, 'a trade')
      const late: WsStatus[] = []
      const lateSub = r.client.status$.subscribe((s) => late.push(s))
      // synchronously, before any new event
      expect(late).toEqual([{ type: 'open', connection: 1, endpoint: 'public', url: r.sim.wsUrl }])
      r.sim.faults.dropConnections()
      await until(() => late.some((s) => s.type === 'resubscribed'), 5000, 'resubscribed')
      expect(late.slice(1).map((s) => s.type)).toEqual(
        expect.arrayContaining(['closed', 'reconnecting', 'connecting', 'open', 'resubscribed']),
      )
      const later: WsStatus[] = []
      r.client.status$.subscribe((s) => later.push(s)).unsubscribe()
      expect(later).toEqual([{ type: 'resubscribed', connection: 1, endpoint: 'public', streams: 1 }])
      // a connection that is gone is not replayed
      sub.unsubscribe()
      await until(() => r.client.stats().connections === 0, 5000, 'the connection closed')
      const none: WsStatus[] = []
      r.client.status$.subscribe((s) => none.push(s)).unsubscribe()
      expect(none).toEqual([])
      lateSub.unsubscribe()
      await r.client.close()
      let completed = false
      r.client.status$.subscribe({ complete: () => (completed = true) })
      expect(completed).toBe(true)
    } finally {
      await r.close()
    }
  })
})

describe('abort signals', () => {
  it('aborting completes every kind of stream at once, plain and …Events$, and releases it', async () => {
    // a low rate: the sim computes a ticker snapshot over its whole history
    const sim = await startSim({ port: 0, seed: 7, markets: ['KRW-BTC', 'KRW-ETH'], tradesPerSecond: 2 })
    const client = createWsClient({
      adapter: upbit,
      url: sim.wsUrl,
      privateUrl: sim.privateWsUrl,
      credentials: sim.defaultAccount!,
      lingerMs: 50,
    })
    try {
      const streams: Record<string, (signal: AbortSignal) => Observable<unknown>> = {
        ticker$: (signal: AbortSignal) => client.ticker$('KRW-BTC', { signal }),
        tickerEvents$: (signal: AbortSignal) => client.tickerEvents$('KRW-BTC', { signal }),
        trades$: (signal: AbortSignal) => client.trades$('KRW-BTC', { signal }),
        tradeEvents$: (signal: AbortSignal) => client.tradeEvents$('KRW-BTC', { signal }),
        orderbook$: (signal: AbortSignal) => client.orderbook$('KRW-BTC', { signal }),
        orderbookEvents$: (signal: AbortSignal) => client.orderbookEvents$('KRW-BTC', { signal }),
        candles$: (signal: AbortSignal) => client.candles$('KRW-BTC', '1s', { signal }),
        candleEvents$: (signal: AbortSignal) => client.candleEvents$('KRW-BTC', '1s', { signal }),
        myOrders$: (signal: AbortSignal) => client.myOrders$(undefined, { signal }),
        myOrderEvents$: (signal: AbortSignal) => client.myOrderEvents$(undefined, { signal }),
        myAssets$: (signal: AbortSignal) => client.myAssets$({ signal }),
        myAssetEvents$: (signal: AbortSignal) => client.myAssetEvents$({ signal }),
      }
      const entries = Object.entries(streams).map(([name, open]) => {
        const controller = new AbortController()
        const state = { name, controller, values: 0, completed: false, errors: [] as unknown[] }
        open(controller.signal).subscribe({
          next: () => state.values++,
          complete: () => (state.completed = true),
          error: (e: unknown) => state.errors.push(e),
        })
        return state
      })
      const market = entries.filter((e) => !e.name.startsWith('my'))
      await until(() => market.every((e) => e.values > 0), 10_000, 'a value on every market stream')
      await until(() => client.stats().sockets === 2, 5000, 'the private connection')
      for (const entry of entries) {
        entry.controller.abort()
        // at once: no tick, no timer
        expect(entry.completed, entry.name).toBe(true)
        expect(entry.errors, entry.name).toEqual([])
      }
      expect(client.stats()).toMatchObject({ subscribers: 0, streams: 0, buffered: 0 })
      await until(() => client.stats().sockets === 0, 5000, 'the idle sockets closed')
      expect(client.stats()).toMatchObject({ listeners: 0, timers: 0 })
    } finally {
      await client.close()
      await sim.close()
    }
  }, 30_000)

  it('a signal aborted before subscribing completes at once without opening a socket', async () => {
    const r = await rig({ tradesPerSecond: 20 })
    try {
      const signal = AbortSignal.abort()
      let completed = 0
      const observer = { complete: () => completed++ }
      r.client.trades$('KRW-BTC', { signal }).subscribe(observer)
      r.client.tradeEvents$(['KRW-BTC', 'KRW-ETH'], { signal }).subscribe(observer)
      r.client.orderbookEvents$('KRW-BTC', { signal }).subscribe(observer)
      r.client.candleEvents$('KRW-BTC', '1m', { signal }).subscribe(observer)
      expect(completed).toBe(4)
      await sleep(200)
      expect(r.client.stats()).toMatchObject({ sockets: 0, connections: 0, subscribers: 0, listeners: 0 })
      expect(r.sim.stats.ws.connectionsTotal).toBe(0)
    } finally {
      await r.close()
    }
  })
})

describe('one late-trade policy', () => {
  it('a late trade (older than the newest, first seen) is delivered and counted; a repeat is dropped', async () => {
    const trade = (id: string, t: number) => ({
      t,
      frame: {
        type: 'trade',
        code: 'KRW-BTC',
        timestamp: 1730336862082 + t,
        trade_date: '2024-10-31',
        trade_time: '01:07:42',
        trade_timestamp: 1730336862047 + t,
        trade_price: 100473000,
        trade_volume: 0.00014208,
        ask_bid: 'BID',
        prev_closing_price: 100571000,
        change: 'FALL',
        change_price: 98000,
        sequential_id: Number(id),
        stream_type: 'REALTIME',
      },
    })
    const frames = ['1000', '1002', '1001', '1002', '1003'].map((id, i) => trade(id, 1500 + i * 20))
    const sim = await startSim({ port: 0, seed: 7, markets: ['KRW-BTC'], replay: { frames } })
    const client = createWsClient({ adapter: upbit, url: sim.wsUrl })
    try {
      const events: StreamEvent<Trade>[] = []
      client.tradeEvents$('KRW-BTC', { mode: 'realtime' }).subscribe((e) => events.push(e))
      await until(() => events.length >= 4, 8000, 'the replayed trades')
      await sleep(200)
      const delivered = events.flatMap((e) => (e.type === 'data' ? [e.value.id] : []))
      // kept in arrival order: the late 1001 after 1002; the repeated 1002 dropped
      expect(delivered).toEqual(['1000', '1002', '1001', '1003'])
      expect(client.stats()).toMatchObject({ late: 1, duplicates: 1 })
      expect(events.some((e) => e.type === 'gap')).toBe(false)
    } finally {
      await client.close()
      await sim.close()
    }
  })
})
