// The one clock of the workspace lives in `@bb/utils`; `@bb/ws` re-exports it for its users.
export { type Clock, systemClock } from '@bb/utils'
