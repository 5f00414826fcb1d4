// The page's state: a REST snapshot, then one SSE stream (ids strictly increasing; the browser
// reconnects by itself and sends Last-Event-ID, the server replays what was missed, or says
// `resync` and the page re-reads the snapshot).

export interface Cell {
  value: string
  source: string
  receivedAt: number
}
export interface MarketRow {
  /** When the server sent the row (ms UTC). */
  sentAt?: number
  /** The exchange's market id (`KRW-BTC`) when `symbol` is the unified one. */
  marketId?: string
  symbol: string
  last?: Cell
  change?: Cell
  volume?: Cell
  bid?: Cell
  ask?: Cell
  spread?: Cell
}
interface TapeTrade {
  symbol: string
  id: string
  price: string
  size: string
  side: string
  source: string
  timestamp: number
  receivedAt: number
}
export interface ConditionTrace {
  condition: string
  left: number | boolean | null
  right: number | boolean | null
  result: boolean
}
export interface DecisionJson {
  id: number
  symbol: string
  timestamp: number
  kind: 'order' | 'meta'
  rule: { id: string; name: string; role: string; priority: number; number: number }
  state: string
  price: number
  values: Record<string, number | boolean | null>
  conditions: ConditionTrace[]
  dropped: { ruleId: string; priority: number; reason: string }[]
  explanation: string
  order?: { side: string; price?: string; volume?: string; amount?: { kind: string; value: string } }
  fill?: { price: string; volume: string; fee: string; funds: string; side?: string; timestamp?: number }
  rejected?: string
}
interface StreamHealth {
  kind: string
  mode: 'ws' | 'rest'
  failovers: number
  backfilled: number
  lastMessageAt: number
  reason: string
}
interface HealthJson {
  link?: { state: string; reason: string }
  rest?: { state: string; latencyEwmaMs: number }
  ws?: { state: string; latencyEwmaMs: number }
  wsConnected: boolean
  reconnects: number
  streams: StreamHealth[]
  routes: { kind: string; symbol: string; channel: string; reason: string }[]
  rateLimit: { group: string; granted: number; waited: number; throttled: number }[]
}
export interface FillJson {
  decisionId: number
  ruleId: string
  state: string
  fill: {
    symbol: string
    side: string
    price: string
    volume: string
    funds: string
    fee: string
    timestamp: number
  }
}
export interface CycleJson {
  symbol: string
  cycle: number
  openedAt: number
  closedAt: number
  exitRuleId: string
  invested: string
  proceeds: string
  pnl: string
  pnlPct: number
  fees: string
  buys: number
}
interface Snapshot {
  seq: number
  mode: string
  symbols: string[]
  strategy: unknown
  rows: MarketRow[]
  tape: TapeTrade[]
  health: HealthJson
  decisions: DecisionJson[]
  balances: { currency: string; free: string }[]
  positions: PositionJson[]
  fills: FillJson[]
  cycles: CycleJson[]
  maxCapitalAtRisk: string
  /** The quote currency of the markets (the adapter's symbol rules): balances and amounts are in it. */
  quote: string
  /** What the paper executor charges and accepts (the adapter's market rules). */
  paperRules: PaperRulesJson
  live: LiveJson
}
/** The exchange, taker fee (in percent: `0.05` is 0.05 %) and minimum order total of the paper executor. */
interface PaperRulesJson {
  exchange: string
  takerFeePercent: string
  minOrderTotal: string
}
interface PositionJson {
  symbol: string
  state: string
  price?: number
  quantity: string
  cost: string
  avgPrice?: number
  anchor?: number
  execCount: Record<string, number>
  flags: Record<string, boolean>
  trailing: { key: string; armed: boolean; highWaterMark?: number }[]
  cooldownUntil: number
  cycle: number
}

export interface LiveJson {
  armed: boolean
  armedUntil: number | null
  account: string | null
  /** Where armed orders go: the embedded simulator or the exchange. */
  exchange: string
  phrase: string | null
  maxCapitalAtRisk: string
  symbols: string[]
  rules: string[]
  preflight: { id: string; label: string; ok: boolean; detail: string }[]
  ready: boolean
  halted: boolean
  audit: { at: number; event: string; detail: string }[]
}

export interface State {
  live: LiveJson | undefined
  ready: boolean
  connected: boolean
  seq: number
  reconnects: number
  resyncs: number
  symbols: string[]
  rows: Map<string, MarketRow>
  tape: TapeTrade[]
  health: HealthJson | undefined
  decisions: DecisionJson[]
  fills: FillJson[]
  cycles: CycleJson[]
  balances: { currency: string; free: string }[]
  positions: PositionJson[]
  strategy: unknown
  maxCapitalAtRisk: string
  /** The quote currency of the markets, from the snapshot (empty until the first one). */
  quote: string
  /** The paper executor's fee and minimum, from the snapshot. */
  paperRules: PaperRulesJson | undefined
  /** Trades seen through the stream, per symbol (for the tape's exactly-once check). */
  tradeIds: Map<string, string[]>
  /** Server send times of market batches applied but not yet painted by the Markets page. */
  unpainted: number[]
  /** Tick → screen latencies, ms: server send to the Markets page's effect after the paint (newest 10,000). */
  paintLatency: number[]
}

export const state: State = {
  live: undefined,
  ready: false,
  connected: false,
  seq: 0,
  reconnects: 0,
  resyncs: 0,
  symbols: [],
  rows: new Map(),
  tape: [],
  health: undefined,
  decisions: [],
  fills: [],
  cycles: [],
  balances: [],
  positions: [],
  strategy: undefined,
  maxCapitalAtRisk: '0',
  quote: '',
  paperRules: undefined,
  tradeIds: new Map(),
  unpainted: [],
  paintLatency: [],
}

/** A live candle update (the forming candle, or a closed one). */
export interface CandleEvent {
  symbol: string
  interval: string
  time: number
  open: string
  high: string
  low: string
  close: string
  volume: string
  source: string
}
const candleListeners = new Set<(candle: CandleEvent) => void>()
/** Calls `listener` with every candle event of the stream; returns the unsubscribe function. */
export function subscribeCandles(listener: (candle: CandleEvent) => void): () => void {
  candleListeners.add(listener)
  return () => candleListeners.delete(listener)
}

const listeners = new Set<() => void>()
let scheduled = false
/** Re-renders at most once per frame, however many events arrived. */
function changed(): void {
  if (scheduled) return
  scheduled = true
  requestAnimationFrame(() => {
    scheduled = false
    for (const listener of listeners) listener()
  })
}
export function subscribe(listener: () => void): () => void {
  listeners.add(listener)
  return () => listeners.delete(listener)
}

function applySnapshot(snap: Snapshot): void {
  state.seq = snap.seq
  state.symbols = snap.symbols
  state.rows = new Map(snap.rows.map((r) => [r.symbol, r]))
  state.tape = snap.tape
  state.health = snap.health
  state.decisions = snap.decisions
  state.cycles = snap.cycles
  state.balances = snap.balances
  state.positions = snap.positions
  state.fills = snap.fills
  state.strategy = snap.strategy
  state.maxCapitalAtRisk = snap.maxCapitalAtRisk
  state.quote = snap.quote
  state.paperRules = snap.paperRules
  state.tradeIds = new Map()
  state.live = snap.live
  state.ready = true
}

function onEvent(type: string, data: string): void {
  const body = JSON.parse(data)
  switch (type) {
    case 'market': {
      const batch = body as MarketRow[]
      for (const row of batch) state.rows.set(row.symbol, row)
      if (batch[0]?.sentAt !== undefined) {
        state.unpainted.push(batch[0].sentAt)
        if (state.unpainted.length > 1000) state.unpainted.shift()
      }
      break
    }
    case 'trade': {
      const t = body as TapeTrade
      state.tape.push(t)
      if (state.tape.length > 300) state.tape.splice(0, state.tape.length - 300)
      const ids = state.tradeIds.get(t.symbol) ?? []
      ids.push(t.id)
      state.tradeIds.set(t.symbol, ids)
      break
    }
    case 'health':
      state.health = body as HealthJson
      break
    case 'live':
      state.live = body as LiveJson
      break
    case 'candle':
      for (const listener of candleListeners) listener(body as CandleEvent)
      break
    case 'portfolio':
      state.balances = body.balances
      state.positions = body.positions
      break
    case 'decision':
      state.decisions.push(body as DecisionJson)
      // The page keeps the newest 20,000 (the log is virtualised; the server keeps 10,000 too).
      if (state.decisions.length > 20_000) state.decisions.splice(0, state.decisions.length - 20_000)
      break
    case 'execution': {
      if (body.type === 'fill') {
        const fill = body as FillJson
        state.fills.push(fill)
        if (state.fills.length > 5000) state.fills.shift()
        const d = state.decisions.findLast((x) => x.id === fill.decisionId)
        if (d) d.fill = fill.fill
      } else if (body.type === 'rejected') {
        const d = state.decisions.find((x) => x.id === body.decisionId)
        if (d) d.rejected = body.message
      } else if (body.type === 'cycle') state.cycles.push(body.cycle as CycleJson)
      break
    }
  }
}

let source: EventSource | undefined

async function load(): Promise<void> {
  const response = await fetch('/api/snapshot', { credentials: 'same-origin' })
  if (!response.ok) throw new Error(`snapshot: HTTP ${response.status}`)
  applySnapshot((await response.json()) as Snapshot)
  changed()
}

function open(): void {
  source?.close()
  const es = new EventSource(`/api/stream?since=${state.seq}`)
  source = es
  es.onopen = () => {
    if (!state.connected && state.ready) state.reconnects++
    state.connected = true
    changed()
  }
  es.onerror = () => {
    state.connected = false
    changed()
  }
  const handle = (type: string) => (event: MessageEvent) => {
    const id = Number(event.lastEventId)
    if (id <= state.seq) return
    state.seq = id
    onEvent(type, event.data as string)
    changed()
  }
  for (const type of [
    'market',
    'trade',
    'health',
    'decision',
    'execution',
    'link',
    'portfolio',
    'live',
    'candle',
  ])
    es.addEventListener(type, handle(type) as EventListener)
  es.addEventListener('resync', () => {
    state.resyncs++
    es.close()
    void load().then(open)
  })
}
/** Loads the snapshot, then streams. */
/** Exposed for the end-to-end tests (read only). */
;(globalThis as { __bbState?: State }).__bbState = state

/** Loads the snapshot, then streams. */
export async function start(): Promise<void> {
  await load()
  state.connected = false
  open()
  // Arming expires on the server's clock: re-read the live state now and then.
  setInterval(() => void refreshLive(), 5000)
}

/** Re-reads the live-trading state. */
export async function refreshLive(): Promise<void> {
  const response = await fetch('/api/live')
  if (response.ok) {
    state.live = (await response.json()) as LiveJson
    changed()
  }
}

/** POSTs a command (same origin, JSON) and returns the parsed answer. */
export async function command<T>(
  path: string,
  body: unknown,
  signal?: AbortSignal,
): Promise<{ ok: boolean; status: number; body: T }> {
  const response = await fetch(path, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    ...(signal ? { signal } : {}),
  })
  return { ok: response.ok, status: response.status, body: (await response.json()) as T }
}
