import { isRepositoryComponent, isTag } from "./grammar.js";

/**
 * Internal: pieces of the reference grammar (`spec/PROTOCOL.md` §2) shared by `parseReference` and
 * `formatReference`. Each check returns the reason something is invalid, or `undefined` when it is valid.
 */

/** Names (`registry/repository`) longer than this are rejected, as distribution/reference does. */
export const nameTotalLengthMax = 255;

const domainLabel = /^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])$/;

/**
 * Docker's rule for the first component of a name: it is a registry host when it contains `.` or `:`, is
 * `localhost`, or has an upper-case letter (repositories are lower-case, so it cannot be a path).
 */
export function looksLikeHost(component: string): boolean {
  return (
    component.includes(".") ||
    component.includes(":") ||
    component === "localhost" ||
    component.toLowerCase() !== component
  );
}

/** Checks `host[:port]`, where host is a DNS name, an IPv4 address or a bracketed IPv6 address. */
export function registryProblem(registry: string): string | undefined {
  if (registry === "") return "registry host is empty";
  let host: string;
  let rest: string;
  if (registry.startsWith("[")) {
    const close = registry.indexOf("]");
    if (close === -1) return `registry host ${quote(registry)} has '[' without ']'`;
    host = registry.slice(0, close + 1);
    rest = registry.slice(close + 1);
    const address = host.slice(1, -1);
    if (!/^[a-fA-F0-9:]+$/.test(address) || !URL.canParse(`http://${host}/`)) {
      return `registry host ${quote(host)} is not a valid IPv6 address`;
    }
    if (rest !== "" && !rest.startsWith(":")) return `unexpected ${quote(rest)} after ${quote(host)}`;
  } else {
    if (registry.indexOf(":") !== registry.lastIndexOf(":")) {
      return `registry ${quote(registry)} has more than one ':' (an IPv6 address needs brackets: [::1]:5000)`;
    }
    const colon = registry.indexOf(":");
    host = colon === -1 ? registry : registry.slice(0, colon);
    rest = colon === -1 ? "" : registry.slice(colon);
    if (host === "") return `registry host is empty before ${quote(rest)}`;
    const problem = hostNameProblem(host);
    if (problem !== undefined) return problem;
  }
  if (rest === "") return undefined;
  const port = rest.slice(1);
  if (port === "") return `port after ${quote(`${host}:`)} is empty`;
  if (!/^[0-9]+$/.test(port)) return `port ${quote(port)} must be a number`;
  const value = Number(port);
  if (port.length > 5 || value < 1 || value > 65535) return `port ${port} is outside 1-65535`;
  return undefined;
}

function hostNameProblem(host: string): string | undefined {
  if (!/^[a-zA-Z0-9.-]+$/.test(host)) {
    return `registry host ${quote(host)} may contain only letters, digits, '-' and '.'`;
  }
  for (const label of host.split(".")) {
    if (label === "") return `registry host ${quote(host)} has an empty label ('..' or a '.' at an end)`;
    if (!domainLabel.test(label)) {
      return `registry host ${quote(host)} has a label that starts or ends with '-'`;
    }
  }
  return undefined;
}

/** Checks a repository path such as `library/ubuntu` (lower-case components separated by `/`). */
export function repositoryProblem(repository: string): string | undefined {
  if (repository === "") return "repository is empty";
  const components = repository.split("/");
  for (const [index, component] of components.entries()) {
    if (component !== "") continue;
    if (index === 0) return `repository ${quote(repository)} must not start with '/'`;
    if (index === components.length - 1) return `repository ${quote(repository)} must not end with '/'`;
    return `repository ${quote(repository)} has an empty path component ('//')`;
  }
  if (/[A-Z]/.test(repository)) return `repository ${quote(repository)} must be lower-case`;
  for (const component of components) {
    if (isRepositoryComponent(component)) continue;
    if (component.includes(":")) {
      return `unexpected ':' in ${quote(repository)} (only one tag is allowed, after the repository)`;
    }
    return (
      `repository path component ${quote(component)} is invalid: use lower-case letters and digits, ` +
      `separated by '.', '_', '__' or dashes`
    );
  }
  return undefined;
}

/** Checks a tag: `[\w][\w.-]{0,127}`. */
export function tagProblem(tag: string): string | undefined {
  if (tag === "") return "tag after ':' is empty";
  if (tag.length > 128) return `tag longer than 128 characters (${tag.length})`;
  if (!isTag(tag)) {
    return `tag ${quote(tag)} may contain only letters, digits, '_', '.' and '-', and must not start with '.' or '-'`;
  }
  return undefined;
}

/** The lower-cased host, unless lower-casing would turn it into a Docker Hub path (see `parseReference`). */
export function normalizeRegistryCase(registry: string): string {
  const lower = registry.toLowerCase();
  return looksLikeHost(lower) ? lower : registry;
}

function quote(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);
}
