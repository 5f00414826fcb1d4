// The one clock of the workspace: `@bb/utils`. Its `systemClock` keeps the process alive on
// purpose: a request waiting for its rate-limit slot must keep a script running until it is sent.
export { type Clock, systemClock } from '@bb/utils'
