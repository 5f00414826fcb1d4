// The conformance suite of BusTransport: every transport runs exactly these tests against a real
// server.
import { parseTrade } from '@bb/models'
import { expect, it } from 'vitest'
import { type BusEntry, type BusTransport, keyId, type StreamKey, streamKey } from '../src/index.js'

export interface Harness {
  /** A transport with `maxLen: 200`, `leaseTtlMs: 600`, `demandTtlMs: 800`, on key prefix `prefix`. */
  transport(prefix: string): Promise<BusTransport>
}

let n = 0
const fresh = (channel: 'trade' | 'ticker' | 'orderbook' = 'trade'): StreamKey =>
  streamKey('upbit', channel, `KRW-T${++n}${Date.now() % 100000}`)

const tradeBody = (id: string, price = '95000000.123456789012345678') =>
  JSON.stringify({
    exchange: 'upbit',
    symbol: 'BTC/KRW',
    marketId: 'KRW-BTC',
    base: 'BTC',
    quote: 'KRW',
    timestamp: 1_700_000_000_000,
    receivedAt: 1_700_000_000_001,
    source: 'ws',
    id,
    price,
    size: '0.00000001',
    side: 'buy',
  })

async function collect(iterable: AsyncIterable<BusEntry>, count: number, controller: AbortController) {
  const out: BusEntry[] = []
  const timer = setTimeout(() => controller.abort(), 15_000)
  for await (const entry of iterable) {
    out.push(entry)
    if (out.length >= count) break
  }
  clearTimeout(timer)
  controller.abort()
  return out
}

export function conformance(harness: Harness): void {
  it('publishes in order with pseq 1, 2, 3…; a reader resumes after any cursor', async () => {
    const bus = await harness.transport(`p${++n}`)
    const lease = await bus.acquire('upbit', `pub-${n}`)
    expect(lease).toBeDefined()
    const key = fresh()
    const records = Array.from({ length: 20 }, (_, i) => ({
      key,
      did: String(1000 + i),
      body: tradeBody(String(1000 + i)),
    }))
    const results = await bus.publish(records, lease!)
    expect(results.map((r) => r.status)).toEqual(records.map(() => 'ok'))
    const all = await collect(
      bus.read(key, 'start', { signal: new AbortController().signal }),
      20,
      new AbortController(),
    )
    expect(all.map((e) => e.record.pseq)).toEqual(records.map((_, i) => i + 1))
    expect(all.map((e) => e.record.did)).toEqual(records.map((r) => r.did))
    expect(all.every((e) => e.record.epoch === lease!.epoch)).toBe(true)
    const resumed = await collect(
      bus.read(key, all[9]!.cursor, { signal: new AbortController().signal }),
      10,
      new AbortController(),
    )
    expect(resumed.map((e) => e.record.did)).toEqual(records.slice(10).map((r) => r.did))
    expect((await bus.range(key, all[14]!.cursor, 100)).map((e) => e.record.pseq)).toEqual([
      16, 17, 18, 19, 20,
    ])
    await bus.release(lease!)
    await bus.close()
  })

  it('a reader from the end gets only what is published after it started, live', async () => {
    const bus = await harness.transport(`p${++n}`)
    const lease = (await bus.acquire('upbit', 'live'))!
    const key = fresh()
    await bus.publish([{ key, did: 'old', body: tradeBody('1') }], lease)
    const controller = new AbortController()
    const reading = collect(bus.read(key, 'end', { signal: controller.signal, blockMs: 200 }), 2, controller)
    await new Promise((r) => setTimeout(r, 300))
    await bus.publish([{ key, did: 'new1', body: tradeBody('2') }], lease)
    await bus.publish([{ key, did: 'new2', body: tradeBody('3') }], lease)
    expect((await reading).map((e) => e.record.did)).toEqual(['new1', 'new2'])
    await bus.release(lease)
    await bus.close()
  })

  it('refuses a repeated did on the same stream as dup, stores it once, and keeps pseq continuous', async () => {
    const bus = await harness.transport(`p${++n}`)
    const lease = (await bus.acquire('upbit', 'dedup'))!
    const key = fresh()
    const other = fresh()
    const first = await bus.publish(
      [
        { key, did: '7', body: tradeBody('7') },
        { key: other, did: '7', body: tradeBody('7') },
      ],
      lease,
    )
    expect(first.map((r) => r.status)).toEqual(['ok', 'ok'])
    const again = await bus.publish(
      [
        { key, did: '7', body: tradeBody('7') },
        { key, did: '8', body: tradeBody('8') },
      ],
      lease,
    )
    expect(again.map((r) => r.status)).toEqual(['dup', 'ok'])
    const stored = await bus.range(key, 'start', 10)
    expect(stored.map((e) => [e.record.did, e.record.pseq])).toEqual([
      ['7', 1],
      ['8', 2],
    ])
    await bus.release(lease)
    await bus.close()
  })

  it('keeps ids and decimals exact beyond 2^53 (strings end to end)', async () => {
    const bus = await harness.transport(`p${++n}`)
    const lease = (await bus.acquire('upbit', 'exact'))!
    const key = fresh()
    const id = '17877285547970001'
    const price = '123456789012345678.000000000000000001'
    await bus.publish([{ key, did: id, body: tradeBody(id, price) }], lease)
    const entry = (await bus.tail(key))!
    expect(entry.record.did).toBe(id)
    const trade = parseTrade(JSON.parse(entry.record.body))
    expect(trade.id).toBe(id)
    expect(trade.price.toFixed()).toBe(price)
    expect(Number(id).toString()).not.toBe(id) // the number form would have lost it
    await bus.release(lease)
    await bus.close()
  })

  it('trims each stream to its retention: the oldest entries go, pseq shows how many', async () => {
    const bus = await harness.transport(`p${++n}`)
    const lease = (await bus.acquire('upbit', 'trim'))!
    const key = fresh()
    for (let batch = 0; batch < 6; batch++) {
      const records = Array.from({ length: 100 }, (_, i) => ({
        key,
        did: `${batch}-${i}`,
        body: tradeBody(String(batch * 100 + i + 1)),
      }))
      // The lease lives 600 ms: renew it per batch as a publisher does, so that a loaded machine
      // (CI once took longer than that for six batches) cannot fence the last ones.
      expect(await bus.renew(lease)).toBe(true)
      const results = await bus.publish(records, lease)
      expect(results.map((r) => r.status)).toEqual(records.map(() => 'ok'))
    }
    const kept = await bus.range(key, 'start', 1000)
    // maxLen 200 ("~" in Redis trims whole nodes of 100 entries, so up to one node more).
    expect(kept.length).toBeGreaterThanOrEqual(200)
    expect(kept.length).toBeLessThanOrEqual(300)
    expect(kept.at(-1)!.record.pseq).toBe(600)
    expect(kept[0]!.record.pseq).toBe(600 - kept.length + 1)
    await bus.release(lease)
    await bus.close()
  })

  it('latest() answers the newest value of every key at once; a key never written is absent', async () => {
    const bus = await harness.transport(`p${++n}`)
    const lease = (await bus.acquire('upbit', 'latest'))!
    const a = fresh('ticker')
    const b = fresh('orderbook')
    const none = fresh('ticker')
    for (let i = 1; i <= 5; i++) {
      await bus.publish(
        [
          { key: a, did: `a${i}`, body: `{"n":${i}}` },
          { key: b, did: `b${i}`, body: `{"n":${10 + i}}` },
        ],
        lease,
      )
    }
    const latest = await bus.latest([a, b, none])
    expect(latest.get(keyId(a))?.record.body).toBe('{"n":5}')
    expect(latest.get(keyId(b))?.record.body).toBe('{"n":15}')
    expect(latest.has(keyId(none))).toBe(false)
    await bus.release(lease)
    await bus.close()
  })

  it('one leader per lease; after its TTL a standby takes over with a higher epoch and the stale leader is fenced', async () => {
    const prefix = `p${++n}`
    const busA = await harness.transport(prefix)
    const busB = await harness.transport(prefix)
    const name = `fence-${++n}`
    const a = (await busA.acquire(name, 'A'))!
    expect(a).toBeDefined()
    expect(await busB.acquire(name, 'B')).toBeUndefined()
    expect(await busA.renew(a)).toBe(true)
    const key = { ...fresh(), exchange: name }
    expect((await busA.publish([{ key, did: '1', body: tradeBody('1') }], a))[0]?.status).toBe('ok')
    // A stops renewing (paused past its TTL): B gets the lease.
    let b: Awaited<ReturnType<BusTransport['acquire']>>
    const deadline = Date.now() + 10_000
    for (;;) {
      b = await busB.acquire(name, 'B')
      if (b || Date.now() > deadline) break
      await new Promise((r) => setTimeout(r, 100))
    }
    expect(b).toBeDefined()
    expect(b!.epoch).toBeGreaterThan(a.epoch)
    expect((await busB.publish([{ key, did: '2', body: tradeBody('2') }], b!))[0]?.status).toBe('ok')
    // A wakes up: every write is refused, and its renew fails.
    expect((await busA.publish([{ key, did: '3', body: tradeBody('3') }], a)).map((r) => r.status)).toEqual([
      'fenced',
    ])
    expect(await busA.renew(a)).toBe(false)
    const stored = await busB.range(key, 'start', 10)
    expect(stored.map((e) => [e.record.did, e.record.pseq, e.record.epoch])).toEqual([
      ['1', 1, a.epoch],
      ['2', 2, b!.epoch],
    ])
    // A clean release lets the next holder in at once.
    await busB.release(b!)
    expect(await busA.acquire(name, 'A2')).toBeDefined()
    await busA.close()
    await busB.close()
  })

  it('a zombie leader is refused by the server on every stream, even one the new leader has not written yet', async () => {
    const prefix = `p${++n}`
    const busA = await harness.transport(prefix)
    const busB = await harness.transport(prefix)
    const name = `zombie-${++n}`
    const quiet = { ...fresh(), exchange: name }
    const busy = { ...fresh(), exchange: name }
    const a = (await busA.acquire(name, 'A'))!
    expect((await busA.publish([{ key: quiet, did: 'q1', body: tradeBody('1') }], a))[0]?.status).toBe('ok')
    // A is paused (no renewals) past its TTL; B takes over and writes only the busy stream.
    let b: Awaited<ReturnType<BusTransport['acquire']>>
    const deadline = Date.now() + 10_000
    do {
      await new Promise((r) => setTimeout(r, 100))
      b = await busB.acquire(name, 'B')
    } while (!b && Date.now() < deadline)
    expect(b).toBeDefined()
    expect((await busB.publish([{ key: busy, did: 'b1', body: tradeBody('2') }], b!))[0]?.status).toBe('ok')
    // A wakes and writes the quiet stream, which nobody else touched: refused all the same.
    const late = await busA.publish(
      [
        { key: quiet, did: 'q2', body: tradeBody('3') },
        { key: busy, did: 'q3', body: tradeBody('4') },
      ],
      a,
    )
    expect(late.map((r) => r.status)).toEqual(['fenced', 'fenced'])
    expect((await busB.range(quiet, 'start', 10)).map((e) => e.record.did)).toEqual(['q1'])
    expect((await busB.range(busy, 'start', 10)).map((e) => e.record.did)).toEqual(['b1'])
    // B keeps writing both.
    const more = await busB.publish([{ key: quiet, did: 'b2', body: tradeBody('5') }], b!)
    expect(more.map((r) => r.status)).toEqual(['ok'])
    expect((await busB.tail(quiet))?.record.pseq).toBe(2)
    await busB.release(b!)
    await busA.close()
    await busB.close()
  })

  it('publish calls racing at the start of a term all land, each stream in its own order', async () => {
    const bus = await harness.transport(`p${++n}`)
    const lease = (await bus.acquire('upbit', 'race'))!
    const [a, b] = [fresh(), fresh()]
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        bus.publish([{ key: i % 2 ? a : b, did: `r${i}`, body: tradeBody(String(i + 1)) }], lease),
      ),
    )
    expect(results.flat().map((r) => r.status)).toEqual(Array(6).fill('ok'))
    expect((await bus.range(a, 'start', 10)).map((e) => e.record.pseq)).toEqual([1, 2, 3])
    expect((await bus.range(b, 'start', 10)).map((e) => e.record.pseq)).toEqual([1, 2, 3])
    await bus.release(lease)
    await bus.close()
  })

  it('heartbeat status round-trips', async () => {
    const bus = await harness.transport(`p${++n}`)
    const status = { owner: 'A', epoch: 3, since: 1, at: 2, connected: true, published: 9 }
    await bus.writeStatus('upbit', status)
    expect(await bus.readStatus('upbit')).toEqual(status)
    expect(await bus.readStatus('nowhere')).toBeUndefined()
    await bus.close()
  })

  it('demand: one entry per consumer and stream, renewed by a repeat, gone on withdraw or after its TTL', async () => {
    const bus = await harness.transport(`p${++n}`)
    expect(bus.demandTtlMs).toBe(800)
    const btc = streamKey('upbit', 'trade', 'KRW-BTC')
    const eth = streamKey('upbit', 'ticker', 'KRW-ETH')
    const odd = streamKey('upbit', 'trade', 'KRW-A.B*') // escaped in keys, exact in the answer
    const elsewhere = streamKey('bithumb', 'trade', 'KRW-BTC')
    await bus.demand('c1', [btc, eth, odd, elsewhere])
    await bus.demand('c2', [btc])
    const sorted = async () =>
      (await bus.demands('upbit')).map((d) => `${d.consumer} ${d.channel} ${d.symbol}`).sort()
    expect(await sorted()).toEqual([
      'c1 ticker KRW-ETH',
      'c1 trade KRW-A.B*',
      'c1 trade KRW-BTC',
      'c2 trade KRW-BTC',
    ])
    expect((await bus.demands('bithumb')).map((d) => d.consumer)).toEqual(['c1'])
    await bus.withdraw('c1', [eth, odd])
    expect(await sorted()).toEqual(['c1 trade KRW-BTC', 'c2 trade KRW-BTC'])
    // c1 renews, c2 does not: after the TTL only c1 is left.
    const deadline = Date.now() + 10_000
    let left = await sorted()
    while (left.length > 1 && Date.now() < deadline) {
      await bus.demand('c1', [btc])
      await new Promise((r) => setTimeout(r, 200))
      left = await sorted()
    }
    expect(left).toEqual(['c1 trade KRW-BTC'])
    await expect(bus.demand('', [btc])).rejects.toThrow(/consumer must be a non-empty id, got ""/)
    await bus.close()
  })

  it('a refusal of a demanded stream is readable by its consumers, per stream', async () => {
    const bus = await harness.transport(`p${++n}`)
    const nope = streamKey('upbit', 'trade', 'KRW-NOPE')
    expect(await bus.refusal(nope)).toBeUndefined()
    await bus.refuse(nope, 'KRW-NOPE is not listed on upbit')
    expect(await bus.refusal(nope)).toBe('KRW-NOPE is not listed on upbit')
    expect(await bus.refusal(streamKey('upbit', 'ticker', 'KRW-NOPE'))).toBeUndefined()
    await bus.close()
  })
}
