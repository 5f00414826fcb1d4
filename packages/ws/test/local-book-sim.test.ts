import { Decimal } from '@bb/models'
import { type BinanceSim, startSim } from '@bb/sim'
import { Observable } from 'rxjs'
import { afterEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import {
  createLocalBook,
  type LocalBookDiff,
  type LocalBookEvent,
  type LocalBookLevel,
  localBook,
} from '../src/index.js'

// The sim's Binance profile: REST `/api/v3/depth` (lastUpdateId) + raw `<s>@depth@100ms` diffs (U/u).
// Raw `ws` + JSON.parse here on purpose: this tests the neutral local book, not an adapter.
let sim: BinanceSim | undefined
let socket: WebSocket | undefined
afterEach(async () => {
  socket?.terminate()
  socket = undefined
  await sim?.close()
  sim = undefined
})

type Depth = { lastUpdateId: number; bids: [string, string][]; asks: [string, string][] }
const depth = async (s: BinanceSim): Promise<Depth> =>
  (await (await fetch(`${s.restUrl}/api/v3/depth?symbol=BTCUSDT&limit=5000`)).json()) as Depth
const norm = (rows: [string, string][]) =>
  rows.map(([p, q]) => [new Decimal(p).toString(), new Decimal(q).toString()])
const flat = (levels: readonly LocalBookLevel[]) => levels.map((l) => [l.price.toString(), l.size.toString()])
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('local book against the Binance sim', () => {
  it('applies 100+ diffs after a REST snapshot and ends equal to a fresh snapshot at the same id', async () => {
    sim = await startSim({
      exchange: 'binance',
      seed: 11,
      speed: 0,
      startTime: Date.UTC(2025, 10, 3, 10, 0, 0),
      markets: ['BTCUSDT'],
      tradesPerSecond: 5,
    })
    const book = createLocalBook()
    const events: LocalBookEvent[] = []
    let received = 0
    const ws = new WebSocket(`${sim.wsUrl}/btcusdt@depth@100ms`)
    socket = ws
    ws.on('message', (data) => {
      const d = JSON.parse(String(data)) as {
        U: number
        u: number
        b: [string, string][]
        a: [string, string][]
      }
      received++
      events.push(...book.push({ firstUpdateId: d.U, finalUpdateId: d.u, bids: d.b, asks: d.a }))
    })
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve())
      ws.once('error', reject)
    })
    // buffer first, then snapshot (the documented order)
    for (let k = 0; k < 400 && received === 0; k++) {
      sim.advance(100)
      await sleep(25)
    }
    expect(book.buffered).toBeGreaterThan(0)
    events.push(...book.snapshot(await depth(sim)))
    const applied = () => events.filter((e) => e.type === 'book' && e.source === 'diff').length
    for (let k = 0; k < 3000 && applied() < 120; k++) {
      sim.advance(100)
      if (k % 20 === 0) await sleep(5)
    }
    const end = await depth(sim)
    for (let k = 0; k < 400 && (book.updateId ?? -1) < end.lastUpdateId; k++) await sleep(25)
    expect(events.filter((e) => e.type === 'resync')).toEqual([])
    expect(applied()).toBeGreaterThanOrEqual(100)
    expect(book.updateId).toBe(end.lastUpdateId)
    expect(flat(book.levels().bids)).toEqual(norm(end.bids))
    expect(flat(book.levels().asks)).toEqual(norm(end.asks))
    expect(book.levels().bids.length).toBeGreaterThan(0)
  })

  it.each([
    { dropAt: 0, what: 'every diff' },
    { dropAt: 20, what: 'the 20th live diff lost: one gap, a resync and a new snapshot' },
  ])(
    'the localBook operator over the raw diff stream fetches the REST snapshot itself and stays equal to it ($what)',
    async ({ dropAt }) => {
      const s = await startSim({
        exchange: 'binance',
        seed: 12,
        speed: 0,
        startTime: Date.UTC(2025, 10, 3, 10, 0, 0),
        markets: ['BTCUSDT'],
        tradesPerSecond: 5,
      })
      sim = s
      const diffs = new Observable<LocalBookDiff>((subscriber) => {
        const ws = new WebSocket(`${s.wsUrl}/btcusdt@depth@100ms`)
        socket = ws
        let n = 0
        ws.on('message', (data) => {
          // count only diffs after the book is live, so the lost one is a gap (not a stale buffered diff)
          if (events.length > 0 && ++n === dropAt) return
          const d = JSON.parse(String(data)) as {
            U: number
            u: number
            b: [string, string][]
            a: [string, string][]
          }
          subscriber.next({ firstUpdateId: d.U, finalUpdateId: d.u, bids: d.b, asks: d.a })
        })
        ws.on('error', (e) => subscriber.error(e))
        return () => ws.terminate()
      })
      const events: LocalBookEvent[] = []
      let failure: unknown
      const sub = diffs.pipe(localBook(() => depth(s))).subscribe({
        next: (e) => events.push(e),
        error: (e: unknown) => {
          failure = e
        },
      })
      const applied = () => events.filter((e) => e.type === 'book' && e.source === 'diff').length
      for (let k = 0; k < 400 && !events.some((e) => e.type === 'book'); k++) {
        s.advance(100)
        await sleep(25)
      }
      for (let k = 0; k < 3000 && applied() < 120; k++) {
        s.advance(100)
        if (k % 20 === 0) await sleep(5)
      }
      const end = await depth(s)
      const lastId = () => {
        const last = events.at(-1)
        return last?.type === 'book' ? last.updateId : -1
      }
      for (let k = 0; k < 400 && lastId() < end.lastUpdateId; k++) await sleep(25)
      sub.unsubscribe()
      expect(failure).toBeUndefined()
      const resyncs = events.filter((e) => e.type === 'resync')
      if (dropAt === 0) expect(resyncs).toEqual([])
      else {
        expect(resyncs).toMatchObject([{ type: 'resync', reason: 'gap' }])
        const after = events.slice(events.indexOf(resyncs[0] as LocalBookEvent) + 1)
        expect(after[0]).toMatchObject({ type: 'book', source: 'snapshot' })
      }
      expect(applied()).toBeGreaterThanOrEqual(100)
      const last = events.at(-1) as Extract<LocalBookEvent, { type: 'book' }>
      expect(last.updateId).toBe(end.lastUpdateId)
      expect(flat(last.bids)).toEqual(norm(end.bids))
      expect(flat(last.asks)).toEqual(norm(end.asks))
    },
  )
})
