import { Writable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { demo } from './commands/demo.js'

/** A terminal as far as the demo can tell: `isTTY`, with every write kept. */
function terminal() {
  const chunks: string[] = []
  const stream = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(String(chunk))
      done()
    },
  }) as Writable & { isTTY: boolean; columns: number; rows: number }
  stream.isTTY = true
  stream.columns = 160
  stream.rows = 40
  return { stream: stream as unknown as NodeJS.WriteStream, text: () => chunks.join('') }
}

describe('bb demo on a terminal', () => {
  it('draws the live view in the alternate screen and leaves only the final frame and the summary behind', async () => {
    const tty = terminal()
    const code = await demo({ duration: '5', markets: 'KRW-BTC', fault: false }, tty.stream)
    expect(code).toBe(0)
    const text = tty.text()
    expect(text.startsWith('\x1b[?1049h')).toBe(true)
    // Frames are drawn in place (cursor home), never by clearing the screen into the scrollback.
    expect(text).not.toContain('\x1b[2J')
    const frames = text.split('\x1b[H').length - 1
    expect(frames).toBeGreaterThanOrEqual(1)
    // Left exactly once; what follows stays in the scrollback: one frame, then the summary.
    expect(text.split('\x1b[?1049l')).toHaveLength(2)
    const after = text.slice(text.indexOf('\x1b[?1049l') + '\x1b[?1049l'.length)
    expect(after.match(/Backbone demo — /g)).toHaveLength(1)
    expect(after).toMatch(/\nSummary \([\d.]+ s, 1 markets\)\n/)
    expect(after).toMatch(/^duplicated\s+0\s*$/m)
    expect(after).not.toContain('\x1b[H')
  })
})
