/**
 * Benchmark: frames/s of `normalizeFrame` (fast and strict) against plain `JSON.parse` of the
 * same frames, in the same run. Run with `pnpm bench` in packages/upbit (Upbit frames through `@bb/unifier`).
 */

import { createUnifier } from '@bb/unifier'
import { upbit } from '../src/index.js'

// Frames as a live feed has them: every price, size and id different (a deterministic random
// walk), so no number repeats often enough to be served from an engine cache — a bench that
// cycles through a few fixed frames would flatter any code that turns numbers into text.
let seed = 42
const random = () => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}
const FRAMES = 4096
const feed = Array.from({ length: FRAMES }, (_, n) => {
  const price = 100_473_000 + Math.round((random() - 0.5) * 400) * 1000
  return {
    n,
    price,
    size: (random() * 0.5).toFixed(8).replace(/0+$/, '').replace(/\.$/, ''),
    time: 1730336862047 + n * 13,
    sid: `${1730336862047 + n * 13}${String(n % 10000).padStart(4, '0')}`,
    ask: price + 1000,
    bid: price,
    askSize: (random() * 2).toFixed(8),
    bidSize: (random() * 2).toFixed(8),
    accVolume: (1432 + random() * 100).toFixed(8),
    accPrice: (143938457120 + random() * 1e9).toFixed(8),
    changeRate: (random() / 100).toFixed(10),
    side: random() < 0.5 ? 'BID' : 'ASK',
  }
})
const f = (n: number) => feed[n % FRAMES]!
const trade = (n: number) => {
  const x = f(n)
  return `{"type":"trade","code":"KRW-BTC","timestamp":${x.time + 35},"trade_date":"2024-10-31","trade_time":"01:07:42","trade_timestamp":${x.time},"trade_price":${x.price}.0,"trade_volume":${x.size},"ask_bid":"${x.side}","prev_closing_price":100571000.00000000,"change":"FALL","change_price":98000.00000000,"sequential_id":${x.sid},"best_ask_price":${x.ask},"best_ask_size":${x.askSize},"best_bid_price":${x.bid},"best_bid_size":${x.bidSize},"stream_type":"REALTIME"}`
}
const tradeSimple = (n: number) => {
  const x = f(n)
  return `{"ty":"trade","cd":"KRW-BTC","tms":${x.time + 35},"td":"2024-10-31","ttm":"01:07:42","ttms":${x.time},"tp":${x.price}.0,"tv":${x.size},"ab":"${x.side}","pcp":100571000.00000000,"c":"FALL","cp":98000.00000000,"sid":${x.sid},"bap":${x.ask},"bas":${x.askSize},"bbp":${x.bid},"bbs":${x.bidSize},"st":"REALTIME"}`
}
const ticker = (n: number) => {
  const x = f(n)
  return `{"type":"ticker","code":"KRW-BTC","opening_price":100571000.00000000,"high_price":101000000.00000000,"low_price":99800000.00000000,"trade_price":${x.price}.0,"prev_closing_price":100571000.00000000,"change":"FALL","change_price":98000.00000000,"signed_change_price":-98000.00000000,"change_rate":${x.changeRate},"signed_change_rate":-${x.changeRate},"trade_volume":${x.size},"acc_trade_volume":${x.accVolume},"acc_trade_volume_24h":3012.49012121,"acc_trade_price":${x.accPrice},"acc_trade_price_24h":302831244982.12938745,"trade_date":"20241031","trade_time":"010742","trade_timestamp":${x.time},"ask_bid":"${x.side}","acc_ask_volume":701.11111111,"acc_bid_volume":731.40615502,"highest_52_week_price":105000000.00000000,"highest_52_week_date":"2024-03-14","lowest_52_week_price":46000000.00000000,"lowest_52_week_date":"2023-11-02","market_state":"ACTIVE","is_trading_suspended":false,"delisting_date":null,"market_warning":"NONE","timestamp":${x.time + 35},"stream_type":"REALTIME"}`
}
const tickerSimple = (n: number) => {
  const x = f(n)
  return `{"ty":"ticker","cd":"KRW-BTC","op":100571000.00000000,"hp":101000000.00000000,"lp":99800000.00000000,"tp":${x.price}.0,"pcp":100571000.00000000,"c":"FALL","cp":98000.00000000,"scp":-98000.00000000,"cr":${x.changeRate},"scr":-${x.changeRate},"tv":${x.size},"atv":${x.accVolume},"atv24h":3012.49012121,"atp":${x.accPrice},"atp24h":302831244982.12938745,"tdt":"20241031","ttm":"010742","ttms":${x.time},"ab":"${x.side}","aav":701.11111111,"abv":731.40615502,"h52wp":105000000.00000000,"h52wdt":"2024-03-14","l52wp":46000000.00000000,"l52wdt":"2023-11-02","ms":"ACTIVE","its":false,"dd":null,"mw":"NONE","tms":${x.time + 35},"st":"REALTIME"}`
}
const units = (simple: boolean, n: number) =>
  Array.from({ length: 15 }, (_, i) => {
    const x = f(n + i * 7)
    const ask = f(n).ask + i * 1000
    const bid = f(n).bid - i * 1000
    return simple
      ? `{"ap":${ask},"as":${x.askSize},"bp":${bid},"bs":${x.bidSize}}`
      : `{"ask_price":${ask},"bid_price":${bid},"ask_size":${x.askSize},"bid_size":${x.bidSize}}`
  }).join(',')
const book = (n: number) =>
  `{"type":"orderbook","code":"KRW-BTC","timestamp":${f(n).time},"total_ask_size":4.79158413,"total_bid_size":2.65609625,"orderbook_units":[${units(false, n)}],"level":0,"stream_type":"REALTIME"}`
const bookSimple = (n: number) =>
  `{"ty":"orderbook","cd":"KRW-BTC","tms":${f(n).time},"tas":4.79158413,"tbs":2.65609625,"obu":[${units(true, n)}],"lv":0,"st":"REALTIME"}`

const cases: [string, (n: number) => string][] = [
  ['trade DEFAULT', trade],
  ['trade SIMPLE', tradeSimple],
  ['ticker DEFAULT', ticker],
  ['ticker SIMPLE', tickerSimple],
  ['orderbook DEFAULT (15)', book],
  ['orderbook SIMPLE (15)', bookSimple],
]

const fast = createUnifier(upbit, { validate: 'fast' })
const strict = createUnifier(upbit, { validate: 'strict' })
let sink: unknown

function rate(frames: readonly Buffer[], fn: (frame: Buffer) => unknown, minMs: number): number {
  let count = 0
  const start = performance.now()
  let elapsed = 0
  while (elapsed < minMs) {
    for (let i = 0; i < 500; i++) sink = fn(frames[(count + i) % frames.length]!)
    count += 500
    elapsed = performance.now() - start
  }
  return (count / elapsed) * 1000
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]!
}

// The machine may be shared: measure in interleaved rounds (JSON.parse, fast, strict, …) and
// report medians, so a burst of load hits all three alike.
const ROUNDS = 7
const rows: string[][] = []
for (const [name, make] of cases) {
  const frames = Array.from({ length: FRAMES }, (_, n) => Buffer.from(make(n)))
  // Sanity: every frame normalizes (strict) before it is timed.
  for (const frame of frames) strict.normalizeFrame(frame, { receivedAt: 0 })
  const parse = (frame: Buffer) => JSON.parse(frame.toString('utf8'))
  const runFast = (frame: Buffer) => fast.normalizeFrame(frame, { receivedAt: 0 })
  const runStrict = (frame: Buffer) => strict.normalizeFrame(frame, { receivedAt: 0 })
  for (const fn of [parse, runFast, runStrict]) rate(frames, fn, 100)
  const json: number[] = []
  const f: number[] = []
  const s: number[] = []
  const fastRatio: number[] = []
  const strictRatio: number[] = []
  for (let round = 0; round < ROUNDS; round++) {
    json.push(rate(frames, parse, 80))
    f.push(rate(frames, runFast, 80))
    s.push(rate(frames, runStrict, 80))
    fastRatio.push(f[round]! / json[round]!)
    strictRatio.push(s[round]! / json[round]!)
  }
  rows.push([
    name,
    Math.round(median(json)).toLocaleString('en-US'),
    Math.round(median(f)).toLocaleString('en-US'),
    `${(median(fastRatio) * 100).toFixed(0)} %`,
    Math.round(median(s)).toLocaleString('en-US'),
    `${(median(strictRatio) * 100).toFixed(0)} %`,
  ])
}
if (sink === Symbol.for('never')) console.log(sink)
const header = ['frames (Buffer)', 'JSON.parse /s', 'fast /s', 'fast/JSON', 'strict /s', 'strict/JSON']
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
const line = (cells: string[]) =>
  `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`
console.log(`Node ${process.version}, ${process.arch}`)
console.log(line(header))
console.log(
  `|${widths.map((w, i) => (i === 0 ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`,
)
for (const row of rows) console.log(line(row))
