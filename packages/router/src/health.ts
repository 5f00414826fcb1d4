import type { WsStatus } from '@bb/ws'
import { Observable, type Subscription } from 'rxjs'
import type { BackboneContext } from './context.js'
import type { WsLink } from './link.js'
import { type CounterHandle, counterHandle, type Metrics } from './metrics.js'
import type { SmartChannelRouter } from './policy.js'
import type { BackboneHealth } from './types.js'

/**
 * Health wiring: REST responses, retries and limiter waits into metrics and the router's channel
 * health; WebSocket statuses into the link; link changes into the router (is the WebSocket in use
 * and up?) and into `link` events. Returns the subscriptions to end on close.
 */
export function wireHealth(
  ctx: Pick<BackboneContext, 'rest' | 'ws' | 'link' | 'metrics' | 'logger' | 'emit'>,
  router: SmartChannelRouter,
  wsInUse: () => boolean,
): Subscription[] {
  const { metrics, link } = ctx
  return [
    ctx.rest.events$.subscribe((event) => {
      if (event.type === 'response') {
        metrics.increment('rest_requests_total', { group: event.group })
        metrics.observe('rest_latency_ms', event.latencyMs, { group: event.group })
        const ok = event.status >= 200 && event.status < 300
        if (!ok) metrics.increment('rest_errors_total', { group: event.group })
        router.recordResult('rest', {
          ok: ok || (event.status >= 400 && event.status < 500 && event.status !== 429),
          latencyMs: event.latencyMs,
        })
      } else if (event.type === 'retry') {
        metrics.increment('rest_retries_total', { group: event.group })
      } else if (event.type === 'wait') {
        metrics.increment('limiter_waits_total', { group: event.group })
        metrics.increment('limiter_wait_ms_total', { group: event.group }, event.waitMs)
      }
    }),
    ctx.ws.status$.subscribe((status: WsStatus) => {
      if (status.type === 'reconnecting') metrics.increment('ws_reconnects_total')
      link.onStatus(status)
      ctx.logger.debug({ status: status.type, connection: status.connection }, 'websocket status')
    }),
    link.changes$.subscribe((view) => {
      router.setWsActive(wsInUse(), view.state === 'up' || view.state === 'connecting')
      if (view.state !== 'connecting') ctx.emit({ type: 'link', state: view.state, reason: view.reason })
    }),
  ]
}

/**
 * Values of one synchronous burst share one liveness record at most this many times; then the
 * router's clock is read again, so a long burst cannot age `lastSuccessAt` by more than a
 * fraction of a millisecond.
 */
const MESSAGE_TIME_USES = 256

/**
 * `onWsValue` of the context: counts a WebSocket value (`ws_messages_total{kind}`, through a
 * counter handle resolved once per kind), tells the link that data flows, and records the
 * message for the router's WebSocket health — once per synchronous burst of values (one socket
 * read), and again every {@link MESSAGE_TIME_USES} values, not once per value: the router reads
 * its clock for each record, and the first value of a burst is as recent as its last to within
 * the burst's length, against a stale window of seconds.
 */
export function wsValueRecorder(
  metrics: Metrics,
  link: Pick<WsLink, 'onValue' | 'healthy'>,
  router: Pick<SmartChannelRouter, 'recordMessage'>,
): (kind: string) => void {
  const counted: Record<string, CounterHandle> = {}
  let recorded = false
  let uses = 0
  const rearm = () => {
    recorded = false
  }
  return (kind) => {
    let count = counted[kind]
    if (count === undefined) {
      count = counterHandle(metrics, 'ws_messages_total', { kind })
      counted[kind] = count
    }
    count()
    link.onValue()
    if (!link.healthy) return
    if (recorded) {
      if (++uses < MESSAGE_TIME_USES) return
    } else {
      recorded = true
      queueMicrotask(rearm)
    }
    uses = 0
    router.recordMessage()
  }
}

/** `health$`: the channels' health every second on the clock and on every link change. */
export function health$(
  ctx: Pick<BackboneContext, 'link' | 'every'>,
  router: SmartChannelRouter,
  streams: Readonly<Record<string, number>>,
): Observable<BackboneHealth> {
  return new Observable<BackboneHealth>((subscriber) => {
    const snapshot = (): BackboneHealth => ({
      rest: router.health('rest'),
      ws: router.health('ws'),
      wsConnected: ctx.link.view.state === 'up',
      link: ctx.link.view,
      streams: { ...streams },
      promoted: router.promotedSymbols(),
    })
    const stop = ctx.every(1000, () => subscriber.next(snapshot()))
    const subscription = ctx.link.changes$.subscribe(() => subscriber.next(snapshot()))
    return () => {
      stop()
      subscription.unsubscribe()
    }
  })
}
