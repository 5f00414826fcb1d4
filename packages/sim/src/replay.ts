/** Replay of captured raw Upbit WebSocket frames (JSON Lines). */
import type { Clock } from '@bb/utils'

/** One captured frame: `t` = ms offset from the start of the capture, `frame` = the raw Upbit frame. */
export interface ReplayFrame {
  /** Milliseconds since the first frame of the capture. */
  readonly t: number
  /** The frame exactly as Upbit sent it (DEFAULT or SIMPLE keys). */
  readonly frame: Readonly<Record<string, unknown>>
  /** The frame's exact JSON text from the capture (keeps integers beyond 2^53 exact). */
  readonly raw?: string
}

/** Options of replay mode. */
export interface ReplayOptions {
  /** Frames to replay, in capture order. */
  readonly frames: readonly ReplayFrame[]
  /** Start again from the first frame when the capture ends. @default false */
  readonly loop?: boolean
  /** Playback speed: 2 = twice as fast. @default 1 */
  readonly speed?: number
}

/**
 * Parses a capture in JSON Lines: one `{"t": <ms offset>, "frame": {...}}` per line. Blank lines
 * and lines starting with `#` are skipped. Throws with the line number on a bad line.
 */
export function parseCapture(text: string): ReplayFrame[] {
  const out: ReplayFrame[] = []
  const lines = text.split(/\r?\n/)
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] as string).trim()
    if (line === '' || line.startsWith('#')) continue
    let v: unknown
    try {
      v = JSON.parse(line)
    } catch {
      throw new SyntaxError(`capture line ${i + 1}: not JSON`)
    }
    if (typeof v !== 'object' || v === null)
      throw new SyntaxError(`capture line ${i + 1}: expected an object`)
    const rec = v as { t?: unknown; frame?: unknown }
    if (typeof rec.t !== 'number' || !Number.isFinite(rec.t) || rec.t < 0)
      throw new SyntaxError(`capture line ${i + 1}: "t" must be a number of ms >= 0`)
    if (typeof rec.frame !== 'object' || rec.frame === null || Array.isArray(rec.frame))
      throw new SyntaxError(`capture line ${i + 1}: "frame" must be an object`)
    const raw = valueSpan(line, 'frame')
    const item: ReplayFrame =
      raw === undefined
        ? { t: rec.t, frame: rec.frame as Record<string, unknown> }
        : { t: rec.t, frame: rec.frame as Record<string, unknown>, raw }
    out.push(item)
  }
  return out
}

/** The subscription key (type, code) a captured frame belongs to. */
function frameKey(frame: Readonly<Record<string, unknown>>): { type: string; code: string } | undefined {
  const type = frame.type ?? frame.ty
  const code = frame.code ?? frame.cd ?? frame.market ?? frame.mk
  if (typeof type !== 'string' || typeof code !== 'string') return undefined
  return { type, code }
}

/** The exact text of a top-level key's value in a JSON object line. */
function valueSpan(line: string, key: string): string | undefined {
  let depth = 0
  let i = 0
  let expectKey = false
  let pendingKey: string | undefined
  while (i < line.length) {
    const ch = line[i]
    if (ch === '"') {
      let j = i + 1
      while (j < line.length && line[j] !== '"') j += line[j] === '\\' ? 2 : 1
      const text = line.slice(i + 1, j)
      if (depth === 1 && expectKey) pendingKey = text
      i = j + 1
      continue
    }
    if (ch === '{' || ch === '[') {
      depth++
      if (depth === 1) expectKey = true
    } else if (ch === '}' || ch === ']') depth--
    else if (ch === ',' && depth === 1) expectKey = true
    else if (ch === ':' && depth === 1) {
      expectKey = false
      if (pendingKey === key) {
        let start = i + 1
        while (line[start] === ' ') start++
        let d = 0
        let k = start
        for (; k < line.length; k++) {
          const c = line[k]
          if (c === '"') {
            k++
            while (k < line.length && line[k] !== '"') k += line[k] === '\\' ? 2 : 1
            continue
          }
          if (c === '{' || c === '[') d++
          else if (c === '}' || c === ']') {
            if (d === 0) break
            d--
            if (d === 0) {
              k++
              break
            }
          } else if (c === ',' && d === 0) break
        }
        return line.slice(start, k).trim()
      }
      pendingKey = undefined
    }
    i++
  }
  return undefined
}

/**
 * Plays captured frames to `broadcast` at their recorded pace (`speed` × real time on `clock`),
 * looping when asked. Returns a function that stops the playback.
 */
export function playFrames(
  clock: Clock,
  replay: ReplayOptions,
  broadcast: (type: string, code: string, frame: Buffer) => void,
): () => void {
  const { frames, loop = false, speed = 1 } = replay
  let i = 0
  let base = clock.now()
  let timer: unknown
  let stopped = false
  const step = (): void => {
    timer = undefined
    if (stopped) return
    const elapsed = (clock.now() - base) * speed
    while (i < frames.length && (frames[i]?.t ?? 0) <= elapsed) {
      const f = frames[i++]
      if (!f) continue
      const key = frameKey(f.frame)
      if (key) broadcast(key.type, key.code, Buffer.from(f.raw ?? JSON.stringify(f.frame), 'utf8'))
    }
    if (i >= frames.length) {
      if (!loop || frames.length === 0) return
      i = 0
      base = clock.now()
    }
    const next = frames[i]?.t ?? 0
    timer = clock.setTimeout(step, Math.max(0, (next - (clock.now() - base) * speed) / speed))
  }
  step()
  return () => {
    stopped = true
    if (timer !== undefined) clock.clearTimeout(timer)
  }
}
