import type { Logger } from '@bb/errors'
import type { ExchangeAdapter } from '@bb/exchange-adapter'
import type { RestClient } from '@bb/rest'
import type { WsClient } from '@bb/ws'
import type { Subscription } from 'rxjs'
import type { Clock } from './clock.js'
import type { WsLink } from './link.js'
import type { Metrics } from './metrics.js'
import type { BackboneEvent, PollIntervals } from './types.js'

/**
 * What the backbone's units share: the two transports, the WebSocket link state, metrics,
 * events and timers. Each unit (a "link" of the chain: routing, promotion, failover, trades,
 * candles, health) takes only the parts it needs, so each is tested on its own.
 */
export interface BackboneContext {
  readonly adapter: ExchangeAdapter
  readonly rest: RestClient
  readonly ws: WsClient
  readonly link: WsLink
  readonly metrics: Metrics
  readonly logger: Logger
  readonly clock: Clock
  readonly poll: PollIntervals
  /** Emits a debug event (nothing after close). */
  emit(event: BackboneEvent): void
  /** A repeating timer on the clock, stopped by the returned function or by close. */
  every(ms: number, fn: () => void): () => void
  /** True once the backbone is closed. */
  closed(): boolean
  /** Counts a WebSocket value and tells the link and the router that data flows. */
  onWsValue(kind: string): void
  /** Logs an internal error that was contained (never thrown into a timer). */
  reportError(where: string): (error: unknown) => void
}

/**
 * Follows the WebSocket channel's state for one stream: `onFailover` when it stops being
 * healthy, `onSwitchback` once it is up again — once per outage each (counted and reported).
 */
export function followLink(
  ctx: Pick<BackboneContext, 'link' | 'metrics' | 'emit'>,
  stream: string,
  symbols: readonly string[],
  handlers: { onFailover: () => void; onSwitchback: () => void },
): Subscription {
  let mode: 'ws' | 'rest' = 'ws'
  return ctx.link.changes$.subscribe((view) => {
    const healthy = view.state === 'up' || view.state === 'connecting'
    if (!healthy && mode === 'ws') {
      mode = 'rest'
      ctx.metrics.increment('failovers_total', { stream })
      ctx.emit({ type: 'failover', stream, symbols, reason: view.reason })
      handlers.onFailover()
    } else if (healthy && mode === 'rest') {
      mode = 'ws'
      ctx.metrics.increment('switchbacks_total', { stream })
      ctx.emit({ type: 'switchback', stream, symbols, reason: view.reason })
      handlers.onSwitchback()
    }
  })
}
