import { useEffect, useState } from 'preact/hooks'
import { state, subscribe } from './store.js'

/** Re-renders on every store change (at most once per frame) and every 250 ms for the ages. */
export function useStore(): typeof state {
  const [, setTick] = useState(0)
  useEffect(() => {
    const off = subscribe(() => setTick((n) => n + 1))
    const timer = setInterval(() => setTick((n) => n + 1), 250)
    return () => {
      off()
      clearInterval(timer)
    }
  }, [])
  return state
}

/**
 * The markets' quote currency from the store ('' until the first snapshot); re-renders only when
 * it changes, for pages that must not re-render on every tick.
 */
export function useQuote(): string {
  const [quote, setQuote] = useState(state.quote)
  useEffect(() => subscribe(() => setQuote(state.quote)), [])
  return quote
}
