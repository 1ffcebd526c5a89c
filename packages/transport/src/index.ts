export type { BaseUrlOptions } from "./base-url-for.js";
export { baseUrlFor } from "./base-url-for.js";
export type { Transport } from "./create-transport.js";
export { createTransport } from "./create-transport.js";
export type { TransportDebugEvent } from "./debug-log.js";
export { formatDebugEvent, transportDiagnosticsChannel } from "./debug-log.js";
export { parseRateLimit } from "./parse-rate-limit.js";
export { parseRetryAfter } from "./parse-retry-after.js";
export { parseWarnings } from "./parse-warnings.js";
export type { TransportRequest } from "./prepare-request.js";
export { parseErrorBody } from "./read-registry-error.js";
export type { BodySource, TransportBody } from "./request-body.js";
export type { RetryDecision, RetryFailure } from "./retry-policy.js";
export { isIdempotentMethod } from "./retry-policy.js";
export type {
  ClockOptions,
  HostOptions,
  KeepAliveOptions,
  PlainHttpOptions,
  ProxyOptions,
  RetryOptions,
  TimeoutOptions,
  TlsOptions,
  TransportOptions,
} from "./transport-options.js";
export type { TransportResponse } from "./transport-response.js";
