/**
 * Docker Hub's rate-limit headers (`spec/PROTOCOL.md` §15, §17 item 8): `ratelimit-limit: 100;w=21600`,
 * `ratelimit-remaining: 76;w=21600` and `docker-ratelimit-source: 203.0.113.5` on manifest responses.
 * The first two follow the IETF RateLimit draft, so a list of policies (`100, 100;w=21600`) is read as
 * well: its first item is the limit in force. They only inform the user; nothing acts on them, and a
 * value that cannot be read is left out rather than guessed.
 */
import type { RegistryRateLimit } from "@stevedore/core";

type Headers = Readonly<Record<string, string | string[] | undefined>>;

/** A window or count beyond this is not a rate limit anyone sends: ignore it. */
const maxValue = 1_000_000_000;

/** The rate limit a response announces, or `undefined` when it has no readable `ratelimit-limit`. */
export function parseRateLimit(headers: Headers): RegistryRateLimit | undefined {
  const limit = readQuota(headers["ratelimit-limit"]);
  if (limit === undefined) return undefined;
  const remaining = readQuota(headers["ratelimit-remaining"]);
  const windowSeconds = limit.windowSeconds ?? remaining?.windowSeconds;
  const source = readSource(headers["docker-ratelimit-source"]);
  return {
    limit: limit.count,
    ...(remaining === undefined ? {} : { remaining: remaining.count }),
    ...(windowSeconds === undefined ? {} : { windowSeconds }),
    ...(source === undefined ? {} : { source }),
  };
}

/** `100;w=21600`, or `100, 100;w=21600`: the first count, and the first `w` of any item. */
function readQuota(
  value: string | string[] | undefined,
): { count: number; windowSeconds?: number } | undefined {
  const text = first(value);
  if (text === undefined || text.length > 256) return undefined;
  const items = text.split(",").map((item) => item.split(";").map((part) => part.trim()));
  const count = readCount(items[0]?.[0]);
  if (count === undefined) return undefined;
  for (const [, ...parameters] of items) {
    for (const parameter of parameters) {
      const match = /^w\s*=\s*"?(\d+)"?$/i.exec(parameter);
      const windowSeconds = readCount(match?.[1]);
      if (windowSeconds !== undefined && windowSeconds > 0) return { count, windowSeconds };
    }
  }
  return { count };
}

function readCount(text: string | undefined): number | undefined {
  if (text === undefined || !/^\d{1,10}$/.test(text)) return undefined;
  const count = Number(text);
  return count <= maxValue ? count : undefined;
}

/** The client IP or account id: kept only when short and printable, as it goes into a message. */
function readSource(value: string | string[] | undefined): string | undefined {
  const text = first(value)?.trim();
  return text && text.length <= 100 && /^[\x21-\x7e][\x20-\x7e]*$/.test(text) ? text : undefined;
}

function first(value: string | string[] | undefined): string | undefined {
  return typeof value === "string" ? value : value?.[0];
}
