import type { WsStatus } from '@bb/ws'
import { BehaviorSubject, type Observable } from 'rxjs'
import { type Clock, Timer } from './clock.js'

/**
 * The state of the WebSocket channel as the streams see it:
 * - `connecting`: no connection has been open yet (streams wait for the first one);
 * - `up`: every connection with streams is open and has proved itself;
 * - `down`: a connection is closed, reconnecting, stale or silent — streams poll REST;
 * - `recovering`: every connection is open again, but not yet for `holdDownMs` with data
 *   flowing — streams keep polling REST (and take WebSocket values too) until it is `up`.
 */
export type WsLinkState = 'connecting' | 'up' | 'down' | 'recovering'

/** Why the link is in its state, in one sentence (shown in health and the demo). */
export interface WsLinkView {
  /** The state. */
  readonly state: WsLinkState
  /** One sentence: why. */
  readonly reason: string
  /** When the state was entered, ms. */
  readonly since: number
  /** Outages (transitions into `down`) so far. */
  readonly outages: number
}

type ConnState = 'connecting' | 'open' | 'down'

/**
 * Folds the WebSocket client's per-connection `status$` into one channel state with hysteresis:
 * one outage is one `down` and one `up`, however many reconnect attempts it takes, and the switch
 * back happens only after the channel has been open for `holdDownMs` with at least one value
 * received in that time. A connection that closed for good (its last stream left) is forgotten.
 */
export class WsLink {
  private readonly connections = new Map<number, ConnState>()
  private readonly subject: BehaviorSubject<WsLinkView>
  private readonly holdTimer: Timer
  private valueSeen = false
  private outages = 0

  constructor(
    private readonly clock: Clock,
    private readonly holdDownMs: number,
  ) {
    this.subject = new BehaviorSubject<WsLinkView>({
      state: 'connecting',
      reason: 'No WebSocket connection has been needed yet.',
      since: clock.now(),
      outages: 0,
    })
    this.holdTimer = new Timer(clock)
  }

  /** The state now. */
  get view(): WsLinkView {
    return this.subject.value
  }

  /** Every state change (replays the current one). */
  get changes$(): Observable<WsLinkView> {
    return this.subject.asObservable()
  }

  /** True when streams should take their data from the WebSocket alone. */
  get healthy(): boolean {
    const s = this.subject.value.state
    return s === 'up' || s === 'connecting'
  }

  /** Feeds one status event of the WebSocket client. */
  onStatus(status: WsStatus): void {
    const id = status.connection
    switch (status.type) {
      case 'connecting':
        if (!this.connections.has(id)) this.connections.set(id, 'connecting')
        break
      case 'open':
      case 'resubscribed':
        this.connections.set(id, 'open')
        break
      case 'closed': {
        if (!this.connections.has(id)) return
        // A reconnect is announced synchronously right after `closed` (and marks the link down);
        // without one the connection was retired (its last stream left) or failed for good
        // (its streams error): forget it, it is no outage.
        this.reconnecting.delete(id)
        queueMicrotask(() => {
          if (!this.reconnecting.has(id)) {
            this.connections.delete(id)
            this.update(`Connection ${id} closed for good.`)
          }
        })
        return
      }
      case 'reconnecting':
        this.reconnecting.add(id)
        this.connections.set(id, 'down')
        break
      case 'stale':
        this.connections.set(id, 'down')
        break
      default:
        return
    }
    this.update(describe(status))
  }

  private readonly reconnecting = new Set<number>()

  /** Records that a WebSocket value arrived (data is flowing). */
  onValue(): void {
    if (this.valueSeen) return
    this.valueSeen = true
    if (this.subject.value.state === 'recovering') this.checkRecovered()
  }

  /** Stops the hold-down timer. */
  close(): void {
    this.holdTimer.clear()
    this.subject.complete()
  }

  private update(reason: string): void {
    const current = this.subject.value
    const states = [...this.connections.values()]
    const anyDown = states.includes('down')
    const allOpen = states.length > 0 && states.every((s) => s === 'open')
    let next: WsLinkState = current.state
    if (anyDown) next = 'down'
    else if (current.state === 'down' && (allOpen || states.length === 0)) next = 'recovering'
    else if (current.state === 'connecting' && allOpen) next = 'up'
    if (next === current.state) return
    this.enter(next, next === 'recovering' ? 'The WebSocket is open again; proving it.' : reason)
  }

  private enter(state: WsLinkState, reason: string): void {
    const previous = this.subject.value
    if (state === 'down' && previous.state !== 'recovering') this.outages++
    this.holdTimer.clear()
    if (state === 'recovering') {
      this.valueSeen = false
      this.holdTimer.set(() => this.checkRecovered(), this.holdDownMs)
    }
    this.subject.next({ state, reason, since: this.clock.now(), outages: this.outages })
  }

  private checkRecovered(): void {
    const view = this.subject.value
    if (view.state !== 'recovering') return
    const heldFor = this.clock.now() - view.since
    if (heldFor < this.holdDownMs) {
      // A timer may fire a little before `since + holdDownMs` as the clock reads it (Node's timers
      // start from the event loop's cached time): wait out the rest, or the link stays
      // `recovering` for good once the value that would have re-checked it has come and gone.
      this.holdTimer.set(() => this.checkRecovered(), this.holdDownMs - heldFor)
      return
    }
    if (!this.valueSeen && this.connections.size > 0) return // wait for data: onValue re-checks
    this.enter(
      'up',
      `The WebSocket has been open for ${heldFor} ms with data flowing (hold-down ${this.holdDownMs} ms).`,
    )
  }
}

function describe(status: WsStatus): string {
  switch (status.type) {
    case 'connecting':
      return `Connecting to ${status.url}.`
    case 'open':
      return 'The WebSocket is open.'
    case 'resubscribed':
      return `Resubscribed ${status.streams} streams.`
    case 'closed':
      return `Connection ${status.connection} closed (${status.code}${status.reason ? ` ${status.reason}` : ''}).`
    case 'reconnecting':
      return `Connection ${status.connection} lost; reconnect attempt ${status.attempt} in ${status.delay} ms.`
    case 'stale':
      return `Connection ${status.connection} silent for ${status.silentForMs} ms; replacing it.`
    default:
      return status.type
  }
}
