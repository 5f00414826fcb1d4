import type { Logger } from '@bb/errors'
import type { Trade } from '@bb/models'
import type { RestClient } from '@bb/rest'
import { upbit } from '@bb/upbit'
import { every } from '@bb/utils'
import { ManualClock } from '@bb/utils/testing'
import type { StreamEvent, WsClient, WsStatus } from '@bb/ws'
import { Decimal } from 'decimal.js'
import { Subject } from 'rxjs'
import type { BackboneContext } from '../../src/context.js'
import { WsLink } from '../../src/link.js'
import { createMemoryMetrics } from '../../src/metrics.js'
import type { BackboneEvent } from '../../src/types.js'

// The units are links of a chain: their inputs are Observables and promises. A unit test hands
// each one the in-memory sources it reads (Subjects for the WebSocket side, a tape of trades for
// the REST side) and a manual clock; the end-to-end guarantees run against @bb/sim (../*.test.ts).

const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} }

/** A trade of KRW-BTC with id `id` (ids are numeric strings: compareIds orders them). */
export function trade(id: number, price = 100, at = 1_700_000_000_000 + id * 10): Trade {
  return Object.freeze({
    exchange: 'upbit',
    symbol: 'BTC/KRW',
    marketId: 'KRW-BTC',
    base: 'BTC',
    quote: 'KRW',
    timestamp: at,
    receivedAt: at,
    source: 'ws',
    id: String(id),
    price: new Decimal(price),
    size: new Decimal(1),
    side: 'buy',
  }) as Trade
}

const base = { connection: 1, endpoint: 'public' } as const
/** WebSocket statuses that move the link. */
export const status = {
  connecting: { ...base, type: 'connecting', url: 'ws://x', attempt: 0 } as WsStatus,
  open: { ...base, type: 'open', url: 'ws://x' } as WsStatus,
  closed: { ...base, type: 'closed', code: 1006, reason: '' } as WsStatus,
  reconnecting: { ...base, type: 'reconnecting', attempt: 1, delay: 500 } as WsStatus,
}

/** A unit context on a manual clock; `tape` is the exchange's trade history (REST pages read it). */
export function unitContext(options: { holdDownMs?: number; tape?: Trade[] } = {}) {
  const clock = new ManualClock()
  const link = new WsLink(clock, options.holdDownMs ?? 0)
  const metrics = createMemoryMetrics()
  const events: BackboneEvent[] = []
  const trades = new Subject<StreamEvent<Trade>>()
  const tape = options.tape ?? []
  const restCalls: { cursor?: string; count?: number | undefined; priority?: string | undefined }[] = []
  const rest = {
    async getTrades(_symbol: string, o: { cursor?: string; count?: number; priority?: string } = {}) {
      restCalls.push({ ...(o.cursor ? { cursor: o.cursor } : {}), count: o.count, priority: o.priority })
      const newestFirst = [...tape].sort((a, b) => Number(b.id) - Number(a.id))
      const from = o.cursor ? newestFirst.findIndex((t) => Number(t.id) < Number(o.cursor)) : 0
      return from < 0
        ? []
        : newestFirst.slice(from, from + (o.count ?? 500)).map((t) => ({ ...t, source: 'rest' }))
    },
  } as unknown as RestClient
  const ws = { tradeEvents$: () => trades.asObservable() } as unknown as WsClient
  const stops = new Set<() => void>()
  let closed = false
  const ctx: BackboneContext = {
    adapter: upbit,
    rest,
    ws,
    link,
    metrics,
    logger: silent,
    clock,
    poll: { ticker: 1000, trades: 1000, orderbook: 1000, candles: 2000 },
    emit: (event) => events.push(event),
    every: (ms, fn) => {
      const stop = every(clock, ms, fn, (e) => {
        throw e
      })
      stops.add(stop)
      return stop
    },
    closed: () => closed,
    onWsValue: () => link.onValue(),
    reportError: () => (e) => {
      throw e
    },
  }
  return {
    ctx,
    clock,
    link,
    metrics,
    events,
    trades,
    tape,
    restCalls,
    close: () => {
      closed = true
      for (const stop of stops) stop()
    },
  }
}

/** Lets pending promise callbacks run (event-loop turns, no time passes on the clock). */
export const settle = async () => {
  for (let i = 0; i < 10; i++) await new Promise<void>((resolve) => setImmediate(resolve))
}
