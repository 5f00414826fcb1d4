// The page's preferences, kept in this browser (localStorage), never sent to the server.

/** What Settings changes. */
export interface Settings {
  /** Times shown in Korea Standard Time (UTC+9, the exchange's) or UTC. */
  timeZone: 'KST' | 'UTC'
  /** Colour theme. */
  theme: 'light' | 'dark'
  /** Candle colours: Korean (up red, down blue) or international (up green, down red). */
  candles: 'kr' | 'intl'
  /** Navigation language. */
  language: 'en' | 'ko'
}

const KEY = 'bb-dashboard-settings'
const DEFAULTS: Settings = { timeZone: 'KST', theme: 'light', candles: 'kr', language: 'en' }

function load(): Settings {
  try {
    const stored = JSON.parse(localStorage.getItem(KEY) ?? '{}') as Partial<Settings>
    return {
      timeZone: stored.timeZone === 'UTC' ? 'UTC' : 'KST',
      theme: stored.theme === 'dark' ? 'dark' : 'light',
      candles: stored.candles === 'intl' ? 'intl' : 'kr',
      language: stored.language === 'ko' ? 'ko' : 'en',
    }
  } catch {
    return { ...DEFAULTS }
  }
}

/** The current preferences (read once at start, then changed by {@link updateSettings}). */
export const settings: Settings = typeof localStorage === 'undefined' ? { ...DEFAULTS } : load()

const listeners = new Set<() => void>()

/** Changes preferences, stores them and applies the theme. */
export function updateSettings(change: Partial<Settings>): void {
  Object.assign(settings, change)
  try {
    localStorage.setItem(KEY, JSON.stringify(settings))
  } catch {
    // Private mode: the change holds for this tab.
  }
  applyTheme()
  for (const listener of listeners) listener()
}

/** Calls `listener` after every change. */
export function onSettings(listener: () => void): () => void {
  listeners.add(listener)
  return () => listeners.delete(listener)
}

/** Sets `data-theme` on the root element. */
export function applyTheme(): void {
  if (typeof document !== 'undefined') document.documentElement.dataset.theme = settings.theme
}

/** Candle colours of the chosen convention. */
export function candleColours(): { up: string; down: string } {
  return settings.candles === 'kr' ? { up: '#c62828', down: '#1565c0' } : { up: '#2e7d32', down: '#c62828' }
}
