import { afterEach, describe, expect, it } from 'vitest'
import type { Sim } from '../src/index.js'
import { connect, get, type Obj, start } from './helpers.js'

const START = Date.UTC(2026, 8, 23, 5, 30, 15, 250)
const sims: Sim[] = []
afterEach(async () => {
  await Promise.all(sims.splice(0).map((s) => s.close()))
})
async function sim(opts: Parameters<typeof start>[0] = {}): Promise<Sim> {
  const s = await start({
    startTime: START,
    limits: false,
    markets: ['KRW-BTC', 'KRW-XRP', 'BTC-ETH'],
    ...opts,
  })
  sims.push(s)
  return s
}

interface Tick {
  timestamp: number
  trade_price: number
  trade_volume: number
  sid: string
}

/** Every trade since `from` (ms), newest first, paging with cursor. */
async function tradesSince(s: Sim, market: string, from: number): Promise<Tick[]> {
  const out: Tick[] = []
  let cursor = ''
  for (let page = 0; page < 100; page++) {
    const { text, json } = await get(
      s,
      `/v1/trades/ticks?market=${market}&count=500${cursor ? `&cursor=${cursor}` : ''}`,
    )
    const ids = [...text.matchAll(/"sequential_id":(\d+)/g)].map((m) => m[1] as string)
    const list = json as Obj[]
    if (list.length === 0) break
    for (let i = 0; i < list.length; i++) {
      const t = list[i] as Obj
      if ((t.timestamp as number) < from) return out
      out.push({
        timestamp: t.timestamp as number,
        trade_price: t.trade_price as number,
        trade_volume: t.trade_volume as number,
        sid: ids[i] as string,
      })
    }
    cursor = ids.at(-1) as string
  }
  return out
}

function aggregate(trades: Tick[]) {
  const asc = [...trades].reverse()
  return {
    open: asc[0]?.trade_price,
    close: asc.at(-1)?.trade_price,
    high: Math.max(...asc.map((t) => t.trade_price)),
    low: Math.min(...asc.map((t) => t.trade_price)),
    volume: asc.reduce((s, t) => s + t.trade_volume, 0),
    turnover: asc.reduce((s, t) => s + t.trade_volume * t.trade_price, 0),
    last: asc.at(-1)?.timestamp,
  }
}

describe('one source of truth', () => {
  it("a 1-minute candle's OHLCV equals the trades of its minute (history and live)", async () => {
    const s = await sim()
    s.advance(3 * 60_000)
    const from = Math.floor((s.now() - 40 * 60_000) / 60_000) * 60_000
    const trades = await tradesSince(s, 'KRW-BTC', from)
    expect(trades.length).toBeGreaterThan(100)
    const candles = (await get(s, '/v1/candles/minutes/1?market=KRW-BTC&count=30')).json as Obj[]
    let checked = 0
    for (const c of candles) {
      const start = Date.parse(`${c.candle_date_time_utc as string}Z`)
      if (start < from) continue
      const inMinute = trades.filter((t) => t.timestamp >= start && t.timestamp < start + 60_000)
      const a = aggregate(inMinute)
      expect(c.opening_price).toBe(a.open)
      expect(c.trade_price).toBe(a.close)
      expect(c.high_price).toBe(a.high)
      expect(c.low_price).toBe(a.low)
      expect(c.timestamp).toBe(a.last)
      expect(c.candle_acc_trade_volume as number).toBeCloseTo(a.volume, 7)
      expect((c.candle_acc_trade_price as number) / a.turnover).toBeCloseTo(1, 9)
      checked++
    }
    expect(checked).toBeGreaterThanOrEqual(20)
  })

  it("a day candle aggregates that day's minute candles; 5-minute candles aggregate 1-minute ones", async () => {
    const s = await sim()
    const day = '2026-09-20'
    const minutes: Obj[] = []
    let to = `${day}T23:59:59Z`
    for (let i = 0; i < 10; i++) {
      const page = (await get(s, `/v1/candles/minutes/1?market=KRW-XRP&count=200&to=${to}`)).json as Obj[]
      const inDay = page.filter((c) => (c.candle_date_time_utc as string).startsWith(day))
      minutes.push(...inDay)
      if (inDay.length < page.length || page.length === 0) break
      to = `${(page.at(-1) as Obj).candle_date_time_utc as string}Z`
    }
    const days = (await get(s, `/v1/candles/days?market=KRW-XRP&count=1&to=2026-09-21T00:00:00Z`))
      .json as Obj[]
    const d = days[0] as Obj
    expect(d.candle_date_time_utc).toBe(`${day}T00:00:00`)
    expect(d.opening_price).toBe((minutes.at(-1) as Obj).opening_price)
    expect(d.trade_price).toBe((minutes[0] as Obj).trade_price)
    expect(d.high_price).toBe(Math.max(...minutes.map((c) => c.high_price as number)))
    expect(d.low_price).toBe(Math.min(...minutes.map((c) => c.low_price as number)))
    const vol = minutes.reduce((sum, c) => sum + (c.candle_acc_trade_volume as number), 0)
    expect((d.candle_acc_trade_volume as number) / vol).toBeCloseTo(1, 6)

    const five = (await get(s, '/v1/candles/minutes/5?market=KRW-XRP&count=3')).json as Obj[]
    const ones = (await get(s, '/v1/candles/minutes/1?market=KRW-XRP&count=40')).json as Obj[]
    const f = five[1] as Obj
    const fStart = Date.parse(`${f.candle_date_time_utc as string}Z`)
    const inside = ones.filter((c) => {
      const t = Date.parse(`${c.candle_date_time_utc as string}Z`)
      return t >= fStart && t < fStart + 5 * 60_000
    })
    expect(f.high_price).toBe(Math.max(...inside.map((c) => c.high_price as number)))
    expect(f.opening_price).toBe((inside.at(-1) as Obj).opening_price)
    expect(f.trade_price).toBe((inside[0] as Obj).trade_price)
  })

  it("the ticker's day figures equal today's day candle and the last trade", async () => {
    const s = await sim()
    s.advance(90_000)
    const [t] = (await get(s, '/v1/ticker?markets=KRW-BTC')).json as Obj[]
    const [d] = (await get(s, '/v1/candles/days?market=KRW-BTC&count=1')).json as Obj[]
    const [last] = (await get(s, '/v1/trades/ticks?market=KRW-BTC&count=1')).json as Obj[]
    expect(t?.opening_price).toBe(d?.opening_price)
    expect(t?.high_price).toBe(d?.high_price)
    expect(t?.low_price).toBe(d?.low_price)
    expect(t?.trade_price).toBe(d?.trade_price)
    expect(t?.trade_price).toBe(last?.trade_price)
    expect(t?.acc_trade_volume as number).toBeCloseTo(d?.candle_acc_trade_volume as number, 6)
    expect(t?.prev_closing_price).toBe(d?.prev_closing_price)
    expect(t?.trade_timestamp).toBe(last?.timestamp)
  })

  it('WebSocket trades are exactly the REST trades and what stats counted (nothing lost, nothing duplicated)', async () => {
    const s = await sim()
    const c = await connect(s.wsUrl)
    c.send([{ ticket: 'consistency' }, { type: 'trade', codes: ['KRW-BTC'], is_only_realtime: true }])
    await new Promise((r) => setTimeout(r, 50))
    const before = s.now()
    for (let i = 0; i < 12; i++) s.advance(10_000)
    const rest = (await tradesSince(s, 'KRW-BTC', before + 1)).reverse()
    await c.until((f) => f.length >= rest.length)
    const wsIds = c.raw.map((r) => /"sequential_id":(\d+)/.exec(r.text)?.[1])
    expect(rest.length).toBeGreaterThan(20)
    expect(wsIds).toEqual(rest.map((t) => t.sid))
    const frames = c.frames as Obj[]
    expect(frames.map((f) => f.trade_price)).toEqual(rest.map((t) => t.trade_price))
    expect(frames.map((f) => f.trade_volume)).toEqual(rest.map((t) => t.trade_volume))
    expect(frames.every((f) => f.stream_type === 'REALTIME')).toBe(true)
    const emitted = s.emittedTrades('KRW-BTC')
    expect(emitted.map((e) => e.sequentialId)).toEqual(rest.map((t) => t.sid))
    expect(s.stats.markets['KRW-BTC']?.tradesEmitted).toBe(rest.length)
    expect(s.stats.markets['KRW-BTC']?.lastSequentialId).toBe(rest.at(-1)?.sid)
    c.close()
  })

  it('WS ticker and orderbook snapshots equal the REST ticker and order book', async () => {
    const s = await sim()
    s.advance(30_000)
    const c = await connect(s.wsUrl)
    c.send([
      { ticket: 'x' },
      { type: 'ticker', codes: ['KRW-BTC'] },
      { type: 'orderbook', codes: ['KRW-BTC'] },
    ])
    await c.until((f) => f.length >= 2)
    const [rt] = (await get(s, '/v1/ticker?markets=KRW-BTC')).json as Obj[]
    const [rb] = (await get(s, '/v1/orderbook?markets=KRW-BTC')).json as Obj[]
    const wt = (c.frames as Obj[]).find((f) => f.type === 'ticker') as Obj
    const wb = (c.frames as Obj[]).find((f) => f.type === 'orderbook') as Obj
    for (const k of [
      'trade_price',
      'opening_price',
      'high_price',
      'low_price',
      'acc_trade_volume',
      'acc_trade_price_24h',
    ])
      expect(wt[k], k).toBe(rt?.[k])
    expect(wb.orderbook_units).toEqual(
      ((rb as Obj).orderbook_units as Obj[]).map((u) => ({
        ask_price: u.ask_price,
        bid_price: u.bid_price,
        ask_size: u.ask_size,
        bid_size: u.bid_size,
      })),
    )
    expect(wb.total_bid_size).toBe(rb?.total_bid_size)
    c.close()
  })

  it('is deterministic: the same seed and start give the same market, another seed another one', async () => {
    const a = await sim({ seed: 5 })
    const b = await sim({ seed: 5 })
    const c = await sim({ seed: 6 })
    for (const x of [a, b, c]) x.advance(120_000)
    const path = '/v1/trades/ticks?market=KRW-BTC&count=200&days_ago=2'
    expect((await get(a, path)).text).toBe((await get(b, path)).text)
    expect((await get(a, path)).text).not.toBe((await get(c, path)).text)
    const live = '/v1/candles/minutes/1?market=KRW-BTC&count=2'
    expect((await get(a, live)).text).toBe((await get(b, live)).text)
  })

  it('the manual clock only moves with advance()', async () => {
    const s = await sim()
    const t0 = s.now()
    await new Promise((r) => setTimeout(r, 60))
    expect(s.now()).toBe(t0)
    expect(s.emittedTrades('KRW-BTC')).toHaveLength(0)
    s.advance(60_000)
    expect(s.now()).toBe(t0 + 60_000)
    expect(s.emittedTrades('KRW-BTC').length).toBeGreaterThan(5)
  })

  it('crash() moves the price down by about pct within the duration; surge() up', async () => {
    const s = await sim({ scheduledEvents: false })
    const p0 = s.market.price('KRW-XRP')
    s.market.crash('KRW-XRP', { pct: 12, durationMs: 40_000 })
    s.advance(60_000)
    const p1 = s.market.price('KRW-XRP')
    expect(p1 / p0).toBeGreaterThan(0.82)
    expect(p1 / p0).toBeLessThan(0.94)
    s.market.surge('KRW-XRP', { pct: 15, durationMs: 20_000 })
    s.advance(60_000)
    expect(s.market.price('KRW-XRP') / p1).toBeGreaterThan(1.08)
    const [detail] = (await get(s, '/v1/market/all?is_details=true')).json as Obj[]
    expect(detail).toBeDefined()
  })
})
