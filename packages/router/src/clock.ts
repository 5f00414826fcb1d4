// The one clock of the workspace (`@bb/utils`). The router's own timers (polling, demotion,
// health, hold-down) run on the background clock by default: they never keep a process alive.
export { backgroundClock as systemClock, type Clock, every, Timer } from '@bb/utils'
