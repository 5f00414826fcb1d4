// One consumer in its own process, driven over IPC by consumer.ts: it counts the values handed
// to user code, notes when each trade id arrived, and reports its CPU time and peak RSS.
import { PEERS, type PeerName, type PeerTarget } from './peers.js'

type Command =
  | { readonly cmd: 'expect'; readonly count: number; readonly idleMs: number }
  | { readonly cmd: 'collect' }
  | { readonly cmd: 'reset' }
  | { readonly cmd: 'close' }

const now = () => performance.timeOrigin + performance.now()
const send = (message: unknown) => process.send?.(message)
const { peer, target, latency } = JSON.parse(process.argv[2] as string) as {
  peer: PeerName
  target: PeerTarget
  latency: boolean
}

let count = 0
let first = 0
let last = 0
const arrivals: [string, number][] = []
let peakRss = 0
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage.rss())
}, 100)
const stop = await PEERS[peer](target, (id) => {
  const t = now()
  if (count === 0) first = t
  last = t
  count++
  if (latency) arrivals.push([id, t])
})
let cpuStart = process.cpuUsage()
send({ type: 'started' })

const stats = () => {
  const cpu = process.cpuUsage(cpuStart)
  peakRss = Math.max(peakRss, process.memoryUsage.rss())
  return { count, first, last, cpuMs: (cpu.user + cpu.system) / 1000, peakRssMb: peakRss / 2 ** 20 }
}

process.on('message', async (message: Command) => {
  switch (message.cmd) {
    case 'expect': {
      // Done when every value arrived, or when nothing more arrived for `idleMs` (lost values).
      let seen = -1
      let quietSince = Date.now()
      while (count < message.count) {
        if (count !== seen) {
          seen = count
          quietSince = Date.now()
        } else if (Date.now() - quietSince > message.idleMs) break
        await new Promise((resolve) => setTimeout(resolve, 5))
      }
      return send({ type: 'done', ...stats() })
    }
    case 'reset':
      count = 0
      arrivals.length = 0
      cpuStart = process.cpuUsage()
      return send({ type: 'reset' })
    case 'collect':
      return send({ type: 'collected', arrivals, ...stats() })
    case 'close':
      clearInterval(sampler)
      await stop().catch(() => undefined)
      process.exit(0)
  }
})
