// The thread side of `startSimWorker`: runs a simulator and answers the controller's messages.
import * as net from 'node:net'
import { parentPort, workerData } from 'node:worker_threads'
import { type StartSimOptions, startSim } from './sim.js'
import type { Sim } from './types.js'

interface Message {
  id: number
  type: 'advance' | 'pace' | 'record' | 'stats' | 'close'
  ms?: number
  rate?: number
  on?: boolean
}

const port = parentPort!
const flag = new Int32Array(workerData.flag as SharedArrayBuffer)
const sends = new Map<string, number>()
let recording = false
// "code" then "sequential_id" (DEFAULT) or "cd" then "sid" (SIMPLE), inside one trade frame.
const FRAME = /"(?:code|cd)":"([^"]+)"[^}]*?"(?:sequential_id|sid)":(\d+)/g
const write = net.Socket.prototype.write
// The simulator writes the frames of one event-loop turn in one socket write: that is their send time.
net.Socket.prototype.write = function patchedWrite(this: net.Socket, chunk: unknown, ...rest: unknown[]) {
  if (recording && Buffer.isBuffer(chunk)) {
    const t = performance.timeOrigin + performance.now()
    for (const m of chunk.toString('latin1').matchAll(FRAME)) sends.set(`${m[1]}:${m[2]}`, t)
  }
  return (write as (...args: unknown[]) => boolean).call(this, chunk, ...rest)
} as typeof net.Socket.prototype.write

const sim: Sim = await startSim(workerData.options as StartSimOptions)
let tradesPerSimMs = 0
let pacer: ReturnType<typeof setInterval> | undefined

const tradesSent = () => sim.stats.ws.messagesByType.trade ?? 0

port.on('message', async (m: Message) => {
  switch (m.type) {
    case 'advance': {
      const before = tradesSent()
      sim.advance(m.ms!)
      const sent = tradesSent() - before
      if (m.ms! > 0) tradesPerSimMs = sent / m.ms!
      port.postMessage({ id: m.id, sent })
      Atomics.store(flag, 1, sent)
      Atomics.store(flag, 0, 1)
      Atomics.notify(flag, 0)
      break
    }
    case 'pace': {
      if (pacer) clearInterval(pacer)
      pacer = undefined
      if ((m.rate ?? 0) > 0) {
        if (tradesPerSimMs === 0) {
          const before = tradesSent()
          sim.advance(1000)
          tradesPerSimMs = Math.max(1e-6, (tradesSent() - before) / 1000)
        }
        const factor = m.rate! / (tradesPerSimMs * 1000)
        let last = performance.now()
        let owed = 0
        pacer = setInterval(() => {
          const now = performance.now()
          owed += (now - last) * factor
          last = now
          const whole = Math.floor(owed)
          if (whole > 0) {
            owed -= whole
            sim.advance(whole)
          }
        }, 1)
      }
      port.postMessage({ id: m.id })
      break
    }
    case 'record':
      recording = m.on ?? false
      port.postMessage({ id: m.id, sends: recording ? [] : [...sends] })
      if (!recording) sends.clear()
      break
    case 'stats':
      port.postMessage({ id: m.id, stats: JSON.parse(JSON.stringify(sim.stats)) })
      break
    case 'close':
      if (pacer) clearInterval(pacer)
      await sim.close()
      port.postMessage({ id: m.id })
      break
  }
})
port.postMessage({
  id: 0,
  restUrl: sim.restUrl,
  wsUrl: sim.wsUrl,
  privateWsUrl: sim.privateWsUrl,
  codes: sim.market.codes,
})
