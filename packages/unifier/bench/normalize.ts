/**
 * Benchmark: frames/s of `normalizeFrame` (fast and strict) against plain `JSON.parse` of the
 * same frames, in the same run. Run with `pnpm bench` in packages/unifier.
 */
import { upbit } from '@bb/exchange-adapter'
import { createUnifier } from '../src/index.js'

const trade = (n: number) =>
  `{"type":"trade","code":"KRW-BTC","timestamp":17303368620${82 + (n % 9)},"trade_date":"2024-10-31","trade_time":"01:07:42","trade_timestamp":1730336862047,"trade_price":${100473000 + (n % 7) * 1000}.0,"trade_volume":0.0001${4208 + n},"ask_bid":"${n % 2 ? 'BID' : 'ASK'}","prev_closing_price":100571000.00000000,"change":"FALL","change_price":98000.00000000,"sequential_id":1730336862047${String(n % 10000).padStart(4, '0')},"best_ask_price":100473000,"best_ask_size":0.43139478,"best_bid_price":100465000,"best_bid_size":0.01990656,"stream_type":"REALTIME"}`
const tradeSimple = (n: number) =>
  `{"ty":"trade","cd":"KRW-BTC","tms":17303368620${82 + (n % 9)},"td":"2024-10-31","ttm":"01:07:42","ttms":1730336862047,"tp":${100473000 + (n % 7) * 1000}.0,"tv":0.0001${4208 + n},"ab":"${n % 2 ? 'BID' : 'ASK'}","pcp":100571000.00000000,"c":"FALL","cp":98000.00000000,"sid":1730336862047${String(n % 10000).padStart(4, '0')},"bap":100473000,"bas":0.43139478,"bbp":100465000,"bbs":0.01990656,"st":"REALTIME"}`
const ticker = (n: number) =>
  `{"type":"ticker","code":"KRW-BTC","opening_price":100571000.00000000,"high_price":101000000.00000000,"low_price":99800000.00000000,"trade_price":${100473000 + n * 1000}.0,"prev_closing_price":100571000.00000000,"change":"FALL","change_price":98000.00000000,"signed_change_price":-98000.00000000,"change_rate":0.0009744359,"signed_change_rate":-0.0009744359,"trade_volume":0.0001${4208 + n},"acc_trade_volume":1432.51726613,"acc_trade_volume_24h":3012.49012121,"acc_trade_price":143938457120.54321987,"acc_trade_price_24h":302831244982.12938745,"trade_date":"20241031","trade_time":"010742","trade_timestamp":1730336862047,"ask_bid":"BID","acc_ask_volume":701.11111111,"acc_bid_volume":731.40615502,"highest_52_week_price":105000000.00000000,"highest_52_week_date":"2024-03-14","lowest_52_week_price":46000000.00000000,"lowest_52_week_date":"2023-11-02","market_state":"ACTIVE","is_trading_suspended":false,"delisting_date":null,"market_warning":"NONE","timestamp":1730336862082,"stream_type":"REALTIME"}`
const tickerSimple = (n: number) =>
  `{"ty":"ticker","cd":"KRW-BTC","op":100571000.00000000,"hp":101000000.00000000,"lp":99800000.00000000,"tp":${100473000 + n * 1000}.0,"pcp":100571000.00000000,"c":"FALL","cp":98000.00000000,"scp":-98000.00000000,"cr":0.0009744359,"scr":-0.0009744359,"tv":0.0001${4208 + n},"atv":1432.51726613,"atv24h":3012.49012121,"atp":143938457120.54321987,"atp24h":302831244982.12938745,"tdt":"20241031","ttm":"010742","ttms":1730336862047,"ab":"BID","aav":701.11111111,"abv":731.40615502,"h52wp":105000000.00000000,"h52wdt":"2024-03-14","l52wp":46000000.00000000,"l52wdt":"2023-11-02","ms":"ACTIVE","its":false,"dd":null,"mw":"NONE","tms":1730336862082,"st":"REALTIME"}`
const units = (simple: boolean, n: number) =>
  Array.from({ length: 15 }, (_, i) =>
    simple
      ? `{"ap":${100474000 + i * 1000},"as":0.${String(4313 + i + n).padStart(4, '0')}9478,"bp":${100465000 - i * 1000},"bs":0.0${1990656 + i}}`
      : `{"ask_price":${100474000 + i * 1000},"bid_price":${100465000 - i * 1000},"ask_size":0.${String(4313 + i + n).padStart(4, '0')}9478,"bid_size":0.0${1990656 + i}}`,
  ).join(',')
const book = (n: number) =>
  `{"type":"orderbook","code":"KRW-BTC","timestamp":1730336862${String(100 + n).slice(-3)},"total_ask_size":4.79158413,"total_bid_size":2.65609625,"orderbook_units":[${units(false, n)}],"level":0,"stream_type":"REALTIME"}`
const bookSimple = (n: number) =>
  `{"ty":"orderbook","cd":"KRW-BTC","tms":1730336862${String(100 + n).slice(-3)},"tas":4.79158413,"tbs":2.65609625,"obu":[${units(true, n)}],"lv":0,"st":"REALTIME"}`

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
  const frames = Array.from({ length: 64 }, (_, n) => Buffer.from(make(n)))
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
