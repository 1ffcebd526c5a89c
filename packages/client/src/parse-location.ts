/**
 * Where images are read from or written to, written the way skopeo names them (`oci:`, `docker-archive:`,
 * `docker://`), plus bare registry references as every other registry tool accepts them.
 */
import type { Reference } from "@stevedore/core";
import {
  InvalidReferenceError,
  parseReference,
  refuseReferenceCredentials,
  UsageError,
} from "@stevedore/core";

/**
 * A parsed location: a registry reference, an OCI image layout directory, a `docker save` archive or an
 * OCI archive (a tar of an OCI image layout).
 */
export type Location =
  | { kind: "registry"; reference: Reference }
  | { kind: "oci"; path: string; tag?: string }
  | { kind: "docker-archive"; path: string; tag?: string }
  | { kind: "oci-archive"; path: string; tag?: string };

/** The kinds of local location, each a file or directory. */
type LocalKind = "oci" | "docker-archive" | "oci-archive";

/** The transports stevedore reads and writes, by the prefix that names them. */
const localTransports: Readonly<Record<string, LocalKind>> = {
  oci: "oci",
  "oci-layout": "oci",
  "docker-archive": "docker-archive",
  "oci-archive": "oci-archive",
};

/**
 * Transports of other tools (skopeo, containers/image) and URL schemes that are not references. Listing
 * them lets `ftp:x` fail clearly instead of naming the Docker Hub image `library/ftp:x`; an image that
 * really is called so can still be written `docker://ftp:x`.
 */
const foreignTransports: ReadonlySet<string> = new Set([
  "containers-storage",
  "dir",
  "docker-daemon",
  "ostree",
  "sif",
  "tarball",
  "file",
  "ftp",
  "ftps",
  "http",
  "https",
  "s3",
  "sftp",
  "ssh",
]);

const supported =
  "oci:PATH[:TAG], oci-layout:PATH[:TAG], docker-archive:PATH[:TAG], oci-archive:PATH[:TAG] or docker://REFERENCE";

/**
 * Parses a location: `oci:PATH[:TAG]` (alias `oci-layout:`), `docker-archive:PATH[:TAG]`,
 * `oci-archive:PATH[:TAG]`, `docker://REF`, or a bare registry reference (`alpine:3.20`, `localhost:5000/team/app@sha256:…`). As in skopeo, the path
 * ends at its first `:`, and what follows is the tag (for an archive: the image name or `@N`, which may
 * hold `:` itself, as in `docker-archive:nginx.tar:nginx:latest`).
 *
 * `localhost:5000/x` is a registry reference: a transport name is followed by something that is not a
 * port number.
 *
 * @throws UsageError for an unknown transport (`ftp:x`), an empty path or an empty tag.
 * @throws InvalidReferenceError when a registry reference is not valid.
 * @example
 * parseLocation("oci:./alpine:3.20"); // { kind: "oci", path: "./alpine", tag: "3.20" }
 * parseLocation("docker://alpine"); // { kind: "registry", reference: { registry: "docker.io", repository: "library/alpine" } }
 * parseLocation("localhost:5000/app:v1"); // { kind: "registry", reference: { registry: "localhost:5000", … } }
 */
export function parseLocation(input: string): Location {
  if (typeof input !== "string") throw new UsageError(`a location must be a string, got ${typeof input}`);
  if (input.trim() === "") throw new UsageError(`a location cannot be empty: use ${supported}`);
  const scheme = transportOf(input);
  if (scheme === undefined || !(scheme in localTransports)) refuseReferenceCredentials(input);
  if (scheme === undefined) return registryLocation(input, input);
  const rest = input.slice(scheme.length + 1);
  const local = localTransports[scheme];
  if (local !== undefined) return localLocation(local, rest, input);
  if (scheme === "docker") {
    if (!rest.startsWith("//")) {
      throw new UsageError(
        `invalid location ${quote(input)}: the docker transport is written docker://REFERENCE`,
      );
    }
    return registryLocation(rest.slice(2), input);
  }
  if (foreignTransports.has(scheme) || rest.startsWith("//")) {
    throw new UsageError(
      `unknown transport ${quote(scheme)} in ${quote(input)}: use ${supported}, or a bare registry reference`,
    );
  }
  return registryLocation(input, input);
}

/**
 * Parses the local side of a pull or push: like {@link parseLocation}, except that a bare value is the
 * path of an OCI image layout directory (`./alpine`, `/tmp/image`) — or, when it names a file, of an
 * archive recognised by its content when opened (see `openSource`). Other tools' transports (`dir:x`,
 * `http://…`) are still a `UsageError`.
 */
export function parseLocalLocation(input: string): Location {
  if (typeof input !== "string") throw new UsageError(`a location must be a string, got ${typeof input}`);
  if (input.trim() === "") throw new UsageError("a path cannot be empty");
  const scheme = transportOf(input);
  if (scheme !== undefined && (scheme in localTransports || scheme === "docker")) return parseLocation(input);
  if (
    scheme !== undefined &&
    (foreignTransports.has(scheme) || input.slice(scheme.length + 1).startsWith("//"))
  ) {
    throw new UsageError(
      `unknown transport ${quote(scheme)} in ${quote(input)}: use ${supported}, or a directory path`,
    );
  }
  return { kind: "oci", path: input };
}

/**
 * The transport name of an input that starts with `name:`, unless what follows the colon is a port
 * (`localhost:5000/x`, `registry:443`).
 */
function transportOf(input: string): string | undefined {
  const match = /^([A-Za-z][A-Za-z0-9+.-]*):(.*)$/s.exec(input);
  if (match === null) return undefined;
  const [, name, rest] = match as unknown as [string, string, string];
  if (/^\d+(\/|$)/.test(rest)) return undefined;
  return name.toLowerCase();
}

function localLocation(kind: LocalKind, rest: string, input: string): Location {
  const colon = rest.indexOf(":");
  const path = colon === -1 ? rest : rest.slice(0, colon);
  if (path === "") throw new UsageError(`invalid location ${quote(input)}: the path is empty`);
  if (colon === -1) return { kind, path };
  const tag = rest.slice(colon + 1);
  if (tag === "") throw new UsageError(`invalid location ${quote(input)}: the tag after ":" is empty`);
  return { kind, path, tag };
}

function registryLocation(text: string, input: string): Location {
  try {
    return { kind: "registry", reference: parseReference(text) };
  } catch (error) {
    if (!InvalidReferenceError.isInstance(error)) throw error;
    const hint = /^(\.{0,2}\/|~)/.test(text) ? ` (for a local directory write oci:${text})` : "";
    if (hint === "" && text === input) throw error;
    // Name the whole location, keep core's reason.
    const prefix = `invalid reference ${JSON.stringify(text.length > 300 ? `${text.slice(0, 300)}…` : text)}: `;
    const reason = error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message;
    throw new InvalidReferenceError(input, `${reason}${hint}`, { cause: error });
  }
}

function quote(text: string): string {
  return JSON.stringify(text.length > 200 ? `${text.slice(0, 200)}…` : text);
}
