/**
 * The debug hook: one line per request, retry, challenge and failure, to `onDebug` and to the
 * `node:diagnostics_channel` channel `stevedore:transport`. URLs are redacted here, at the single exit,
 * and no header value is ever part of an event, so `--debug` output cannot leak a credential.
 */
import { channel } from "node:diagnostics_channel";
import { redactUrl } from "@stevedore/core";

/** The `node:diagnostics_channel` name the transport publishes {@link TransportDebugEvent}s on. */
export const transportDiagnosticsChannel: string = "stevedore:transport";

/** What the debug hook reports. `url` is always redacted; `milliseconds` is time to the response headers. */
export type TransportDebugEvent =
  | { type: "response"; method: string; url: string; status: number; milliseconds: number; redirects: number }
  | { type: "retry"; method: string; url: string; attempt: number; delay: number; reason: string }
  | { type: "challenge"; method: string; url: string; replay: boolean }
  | { type: "probe"; method: string; url: string; status: number }
  | { type: "scheme"; method: string; url: string; tls: boolean }
  | { type: "error"; method: string; url: string; milliseconds: number; code: string };

/** The line `onDebug` receives for `event`. */
export function formatDebugEvent(event: TransportDebugEvent): string {
  const head = `${event.method} ${event.url}`;
  switch (event.type) {
    case "response":
      return `${head} ${event.status} ${event.milliseconds}ms${event.redirects ? ` after ${event.redirects} redirect(s)` : ""}`;
    case "retry":
      return `${head} retry ${event.attempt} in ${event.delay}ms (${event.reason})`;
    case "challenge":
      return `${head} 401 challenge: ${event.replay ? "replaying with new credentials" : "not replayed"}`;
    case "probe":
      return `${head} probe before a one-shot body: ${event.status}`;
    case "scheme":
      return `${head} ${event.tls ? "speaks TLS: using https" : "does not speak TLS: using plain http"}`;
    case "error":
      return `${head} failed after ${event.milliseconds}ms: ${event.code}`;
  }
}

/** A function that redacts an event's URL and reports it to `onDebug` and the diagnostics channel. */
export type DebugLog = (event: TransportDebugEvent) => void;

/** Creates the {@link DebugLog} of one transport. Cheap when nobody listens. */
export function createDebugLog(
  onDebug: ((line: string, event: TransportDebugEvent) => void) | undefined,
): DebugLog {
  const diagnostics = channel(transportDiagnosticsChannel);
  return (event) => {
    if (onDebug === undefined && !diagnostics.hasSubscribers) return;
    const redacted = { ...event, url: redactUrl(event.url) };
    const line = formatDebugEvent(redacted);
    if (diagnostics.hasSubscribers) diagnostics.publish({ ...redacted, line });
    onDebug?.(line, redacted);
  };
}
