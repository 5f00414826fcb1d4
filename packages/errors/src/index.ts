/**
 * One error hierarchy for Backbone. Every failure — from REST, WebSocket, the cache or the
 * rule engine — is a {@link BackboneError} subclass with a stable `code`, a `retryable` flag and
 * redacted context, so the same failure gets the same class whichever channel raised it.
 *
 * @packageDocumentation
 */
export {
  BackboneError,
  type BackboneErrorCode,
  type BackboneErrorJSON,
  type BackboneErrorOptions,
  type Channel,
} from './base.js'
export { isRetryable, toBackboneError } from './convert.js'
export { describeValue } from './describe.js'
export {
  AbortedError,
  AuthenticationError,
  ConnectionClosedError,
  type ConnectionClosedErrorOptions,
  DataValidationError,
  type DataValidationErrorOptions,
  ExchangeUnavailableError,
  InsufficientFundsError,
  type InsufficientFundsErrorOptions,
  InvalidOrderError,
  InvalidRequestError,
  type InvalidRequestErrorOptions,
  NetworkError,
  OrderNotFoundError,
  type OrderNotFoundErrorOptions,
  PermissionError,
  RateLimitError,
  type RateLimitErrorOptions,
  SubscriptionError,
  type SubscriptionErrorOptions,
  TimeoutError,
  type TimeoutErrorOptions,
  UnknownSymbolError,
  type UnknownSymbolErrorOptions,
} from './errors.js'
export { type Logger, redactingLogger, silentLogger } from './logger.js'
export {
  clipText,
  MAX_ERROR_TEXT_LENGTH,
  REDACTED,
  redact,
  redactAndClip,
  registerSecret,
} from './redact.js'
