// Position accounting of one market, as a pure function: a position and a fill in, the next
// position out (no engine, no executor, no clock). Quantities and money are Decimal; the average
// price and the anchor are numbers because the rules compare them with indicator values.
import { Decimal } from '@bb/models'
import type { PositionState } from './engine-types.js'
import type { ExecutedFill } from './executor.js'

/** What the engine knows of its position in one market, and of the cycle it belongs to. @internal */
export interface Position {
  /** READY (flat, may enter), ACTIVE (holding) or CLOSED (flat, cooling down). */
  readonly state: PositionState
  /** 1-based number of the current (or last) cycle; 0 before the first entry. */
  readonly cycle: number
  /** Time of the cycle's entry fill. */
  readonly openedAt: number
  /** Base quantity held. */
  readonly quantity: Decimal
  /** Quote spent on what is still held, fees included. */
  readonly cost: Decimal
  /** `cost / quantity` (fee-inclusive average buy price); `undefined` when flat. */
  readonly avgPrice: number | undefined
  /** Fill price of the cycle's last buy; `undefined` before one. */
  readonly anchor: number | undefined
  /** Quote spent on the cycle's buys, fees included. */
  readonly invested: Decimal
  /** Quote received from the cycle's sells, fees deducted. */
  readonly proceeds: Decimal
  /** Fees of the cycle. */
  readonly fees: Decimal
  /** Buy fills of the cycle (entry + adds). */
  readonly buys: number
}

/** The totals of a finished cycle (READY → ACTIVE → CLOSED). @internal */
interface ClosedCycle {
  readonly cycle: number
  readonly openedAt: number
  readonly closedAt: number
  readonly invested: Decimal
  readonly proceeds: Decimal
  /** `proceeds − invested`. */
  readonly pnl: Decimal
  /** `pnl / invested × 100` (0 when nothing was invested). */
  readonly pnlPct: number
  readonly fees: Decimal
  readonly buys: number
}

/** What {@link applyFill} returns. @internal */
export interface FillResult {
  /** The position after the fill (flat and CLOSED when the fill closed it). */
  readonly position: Position
  /** True when a buy opened a new cycle (the strategy's per-cycle counters start over). */
  readonly opened: boolean
  /** The finished cycle, when a sell closed the position. */
  readonly closed: ClosedCycle | undefined
}

const ZERO = new Decimal(0)
const ONE = new Decimal(1)

/** A flat position in `state`, keeping the cycle number. @internal */
export function flatPosition(state: PositionState = 'READY', cycle = 0, openedAt = 0): Position {
  return {
    state,
    cycle,
    openedAt,
    quantity: ZERO,
    cost: ZERO,
    avgPrice: undefined,
    anchor: undefined,
    invested: ZERO,
    proceeds: ZERO,
    fees: ZERO,
    buys: 0,
  }
}

/**
 * Applies one fill to a position. A buy outside ACTIVE opens a new cycle (counters from zero,
 * `cycle + 1`, `openedAt` = the fill's time); every buy adds its volume, its funds + fee to the
 * cost, and moves the anchor to its price. A sell takes its share of the cost off
 * (`cost × volume / quantity`, capped at the whole), credits `funds − fee`; a sell that leaves
 * nothing closes the cycle: the result carries its totals and the position is flat and CLOSED.
 * @internal
 */
export function applyFill(
  position: Position,
  fill: Pick<ExecutedFill, 'side' | 'price' | 'volume' | 'funds' | 'fee' | 'timestamp'>,
): FillResult {
  if (fill.side === 'buy') {
    const opened = position.state !== 'ACTIVE'
    const from = opened ? flatPosition('ACTIVE', position.cycle + 1, fill.timestamp) : position
    const spent = fill.funds.plus(fill.fee)
    const quantity = from.quantity.plus(fill.volume)
    const cost = from.cost.plus(spent)
    return {
      position: {
        ...from,
        quantity,
        cost,
        invested: from.invested.plus(spent),
        fees: from.fees.plus(fill.fee),
        buys: from.buys + 1,
        anchor: fill.price.toNumber(),
        avgPrice: cost.dividedBy(quantity).toNumber(),
      },
      opened,
      closed: undefined,
    }
  }
  const share = position.quantity.isZero() ? ONE : Decimal.min(1, fill.volume.dividedBy(position.quantity))
  const cost = position.cost.minus(position.cost.times(share))
  const quantity = Decimal.max(ZERO, position.quantity.minus(fill.volume))
  const proceeds = position.proceeds.plus(fill.funds).minus(fill.fee)
  const fees = position.fees.plus(fill.fee)
  if (!quantity.isZero())
    return {
      position: {
        ...position,
        quantity,
        cost,
        proceeds,
        fees,
        avgPrice: cost.dividedBy(quantity).toNumber(),
      },
      opened: false,
      closed: undefined,
    }
  const pnl = proceeds.minus(position.invested)
  return {
    position: flatPosition('CLOSED', position.cycle, position.openedAt),
    opened: false,
    closed: {
      cycle: position.cycle,
      openedAt: position.openedAt,
      closedAt: fill.timestamp,
      invested: position.invested,
      proceeds,
      pnl,
      pnlPct: position.invested.isZero() ? 0 : pnl.dividedBy(position.invested).times(100).toNumber(),
      fees,
      buys: position.buys,
    },
  }
}
