/**
 * The `ExchangeAdapter` contract — data and pure functions, no I/O — and the complete Upbit
 * adapter. `@bb/rest` calls the endpoint builders, signer, rate-limit header parser and error
 * mapper; `@bb/ws` calls the subscription builder, frame classifier and heartbeat policy;
 * `@bb/unifier` compiles the field maps. The conformance kit is at `@bb/exchange-adapter/testing`.
 *
 * @packageDocumentation
 */
export { adapters } from './adapters.js'
export {
  type AnyModel,
  type BooleanRule,
  type ConstRule,
  type CustomRule,
  type CustomRuleHelpers,
  type DateTimeRule,
  type DecimalRule,
  type EnumRule,
  type FieldMap,
  type FieldMaps,
  type FieldRule,
  type FieldSource,
  type IdRule,
  type IntegerRule,
  type LevelRule,
  type LevelsRule,
  type MappedFields,
  MODEL_KINDS,
  type ModelKind,
  type ModelOf,
  RAW_SHAPES,
  type RawShape,
  type ShapeMaps,
  type StringRule,
  type SymbolRule,
  type TimestampRule,
} from './field-map.js'
export { type JwtAlgorithm, signJwt } from './jwt.js'
export { bodyQueryString, formatQuery, rawQueryString } from './query.js'
export type {
  BodyValue,
  CandlesParams,
  Capabilities,
  ChannelCapability,
  ClosedOrdersParams,
  CreateOrderParams,
  Credentials,
  ErrorResponse,
  ExchangeAdapter,
  FrameClass,
  HeartbeatPolicy,
  HttpMethod,
  OpenOrdersParams,
  OrderbookParams,
  OrderRef,
  QueryParam,
  RateLimitGroup,
  RateLimitState,
  RateLimitWindow,
  RestApi,
  RestEndpoints,
  RestRequest,
  SignableRequest,
  SignOptions,
  StreamRequest,
  SubscriptionMessage,
  SubscriptionOptions,
  SymbolRules,
  TradesParams,
  WsApi,
  WsEndpoint,
  WsLimits,
} from './types.js'
export { upbit } from './upbit/index.js'
export { upbitTokenPayload } from './upbit/sign.js'
