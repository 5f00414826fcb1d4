import type { Faults } from './faults.js'
import type { PriceMoveOptions, SimAccounts, SimStats } from './types.js'

/** What the admin endpoints act on. */
export interface AdminDeps {
  readonly stats: SimStats
  readonly faults: Faults
  readonly market: {
    list(): unknown
    crash(code: string, options: PriceMoveOptions): void
    surge(code: string, options: PriceMoveOptions): void
  }
  readonly accounts: SimAccounts
  advance(ms: number): void
  setSpeed(speed: number): void
  now(): number
}

/**
 * The admin HTTP endpoints (`/admin/...`): stats, faults, market moves, the clock and accounts,
 * as a function of method, path and body text → status and JSON body. A bad argument is a 400
 * naming it.
 */
export function createAdmin(
  deps: AdminDeps,
): (method: string, path: string, text: string) => [number, string] {
  const { stats, faults, market: marketControls, accounts } = deps
  return (method, path, text) => {
    let args: Record<string, unknown> = {}
    if (text.trim() !== '') {
      try {
        const v: unknown = JSON.parse(text)
        if (typeof v === 'object' && v !== null && !Array.isArray(v)) args = v as Record<string, unknown>
      } catch {
        return [400, JSON.stringify({ error: 'body must be a JSON object' })]
      }
    }
    const n = (k: string, fallback?: number): number => {
      const v = args[k]
      if (typeof v === 'number') return v
      if (fallback !== undefined) return fallback
      throw new RangeError(`"${k}" (number) is required`)
    }
    try {
      if (method === 'GET' && path === '/admin/stats') return [200, JSON.stringify(stats)]
      if (method === 'GET' && path === '/admin/faults') return [200, JSON.stringify(faults.state)]
      if (method === 'GET' && path === '/admin/markets') return [200, JSON.stringify(marketControls.list())]
      if (method !== 'POST') return [404, JSON.stringify({ error: 'unknown admin endpoint' })]
      switch (path) {
        case '/admin/faults/drop-connections':
          if (args.everyMs !== undefined) faults.dropConnectionsEvery(n('everyMs'))
          else faults.dropConnections()
          break
        case '/admin/faults/silence':
          faults.silence(n('durationMs'))
          break
        case '/admin/faults/delay-rest':
          faults.delayRest(n('ms'))
          break
        case '/admin/faults/delay-ws':
          faults.delayWs(n('ms'))
          break
        case '/admin/faults/fail-rest': {
          const status = args.status
          const durationMs = args.durationMs
          const count = args.count
          faults.failRest(n('fraction'), {
            ...(status === 500 || status === 502 || status === 503 || status === 504 ? { status } : {}),
            ...(typeof durationMs === 'number' ? { durationMs } : {}),
            ...(typeof count === 'number' ? { count } : {}),
          })
          break
        }
        case '/admin/faults/corrupt-frames': {
          const mode = args.mode === 'truncated' ? 'truncated' : 'malformed'
          faults.corruptFrames({
            mode,
            ...(typeof args.fraction === 'number' ? { fraction: args.fraction } : {}),
            ...(typeof args.count === 'number' ? { count: args.count } : {}),
          })
          break
        }
        case '/admin/faults/storm-429':
          faults.storm429(n('durationMs'))
          break
        case '/admin/faults/refuse-connections':
          faults.refuseConnections(n('durationMs'))
          break
        case '/admin/faults/reorder-trades':
          faults.reorderTrades(n('count'))
          break
        case '/admin/faults/clear':
          faults.clear()
          break
        case '/admin/market/crash':
        case '/admin/market/surge': {
          const code = args.code
          if (typeof code !== 'string') throw new RangeError('"code" (string) is required')
          const opts = { pct: n('pct', 10), durationMs: n('durationMs', 30_000) }
          if (path.endsWith('crash')) marketControls.crash(code, opts)
          else marketControls.surge(code, opts)
          break
        }
        case '/admin/clock/advance':
          deps.advance(n('ms'))
          break
        case '/admin/clock/speed':
          deps.setSpeed(n('speed'))
          break
        case '/admin/accounts': {
          const balances = (args.balances ?? {}) as Record<string, string>
          return [201, JSON.stringify(accounts.create({ balances }))]
        }
        default:
          return [404, JSON.stringify({ error: 'unknown admin endpoint' })]
      }
      return [200, JSON.stringify({ ok: true, faults: faults.state, now: deps.now() })]
    } catch (err) {
      return [400, JSON.stringify({ error: err instanceof Error ? err.message : String(err) })]
    }
  }
}
