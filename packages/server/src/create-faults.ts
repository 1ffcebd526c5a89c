import { UsageError } from "@stevedore/core";
import type { RouteName } from "@stevedore/routing";

/** What a fault rule does to a matching request. */
export type FaultAction =
  /** Answer with `status` (429, 5xx…) and an OCI error body, optionally with `Retry-After` (seconds or a date). */
  | { type: "status"; status: number; retryAfter?: number | string }
  /** Send the headers and the first `afterBytes` bytes of the body, then drop the connection. */
  | { type: "cut"; afterBytes: number }
  /** Flip every bit of the body byte at `offset` (the headers still name the right digest). */
  | { type: "corrupt"; offset: number }
  /** Wait before handling the request. */
  | { type: "delay"; milliseconds: number };

/** A fault rule: which requests it matches (every given condition must hold) and what it does. */
export interface FaultRule {
  /** A route of `@stevedore/routing` (`blob-get`, `upload-chunk`…). */
  route?: RouteName;
  /** An HTTP method (`GET`, `PATCH`…). */
  method?: string;
  /** Tested against the request target (path and query). */
  path?: RegExp;
  /** How many requests it applies to; forever when absent. */
  times?: number;
  action: FaultAction;
}

/** A rule once added: how often it fired, and a way to remove it. */
export interface FaultHandle {
  readonly rule: FaultRule;
  /** How many requests it has applied to. */
  readonly hits: number;
  /** Takes the rule out: later requests are served normally. */
  remove(): void;
}

/** The fault rules of a server, programmable from a test. */
export interface Faults {
  /** Adds a rule after the existing ones. Several matching rules all apply, in order. */
  add(rule: FaultRule): FaultHandle;
  /** Removes every rule. */
  clear(): void;
  /** The rules a request matches now; each match counts as one use. Used by the server. */
  take(request: { method: string; target: string; route: RouteName | undefined }): FaultAction[];
}

interface Entry {
  rule: FaultRule;
  hits: number;
}

/**
 * Creates an empty set of fault rules for a registry server: answer 429 with `Retry-After`, 5xx, cut a
 * body after N bytes, corrupt a byte, or delay — per route, method or path, a number of times.
 *
 * @example
 * ```ts
 * server.faults.add({ route: "blob-get", times: 1, action: { type: "cut", afterBytes: 100 } });
 * server.faults.add({ method: "PATCH", times: 2, action: { type: "status", status: 429, retryAfter: 1 } });
 * ```
 */
export function createFaults(): Faults {
  let entries: Entry[] = [];
  return {
    add(rule) {
      checkRule(rule);
      const entry: Entry = { rule, hits: 0 };
      entries.push(entry);
      return {
        rule,
        get hits() {
          return entry.hits;
        },
        remove() {
          entries = entries.filter((candidate) => candidate !== entry);
        },
      };
    },
    clear() {
      entries = [];
    },
    take(request) {
      const actions: FaultAction[] = [];
      for (const entry of entries) {
        const { rule } = entry;
        if (rule.times !== undefined && entry.hits >= rule.times) continue;
        if (rule.route !== undefined && rule.route !== request.route) continue;
        if (rule.method !== undefined && rule.method.toUpperCase() !== request.method) continue;
        if (rule.path !== undefined) {
          rule.path.lastIndex = 0;
          if (!rule.path.test(request.target)) continue;
        }
        entry.hits++;
        actions.push(rule.action);
      }
      return actions;
    },
  };
}

function checkRule(rule: FaultRule): void {
  const action = rule?.action;
  const count = (value: unknown): boolean => Number.isSafeInteger(value) && (value as number) >= 0;
  if (rule?.times !== undefined && !count(rule.times))
    throw new UsageError("fault times must be a non-negative integer");
  if (rule?.path !== undefined && !(rule.path instanceof RegExp))
    throw new UsageError("fault path must be a RegExp");
  switch (action?.type) {
    case "status":
      if (!Number.isInteger(action.status) || action.status < 100 || action.status > 599) {
        throw new UsageError("fault status must be an HTTP status code");
      }
      return;
    case "cut":
      if (!count(action.afterBytes)) throw new UsageError("fault afterBytes must be a non-negative integer");
      return;
    case "corrupt":
      if (!count(action.offset)) throw new UsageError("fault offset must be a non-negative integer");
      return;
    case "delay":
      if (!count(action.milliseconds))
        throw new UsageError("fault milliseconds must be a non-negative integer");
      return;
    default:
      throw new UsageError("fault action type must be status, cut, corrupt or delay");
  }
}
