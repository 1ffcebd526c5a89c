import type { RegistryErrorCode } from "@stevedore/core";
import { StevedoreError } from "@stevedore/core";

/** The OCI error codes the server answers with (`spec/PROTOCOL.md` §9.2): core's union. */
export type OciErrorCode = RegistryErrorCode;

/**
 * A refusal the server sends as an OCI error body: an HTTP status, one §9.2 code, a one-line message and
 * extra headers (`Range` on a 416, `WWW-Authenticate` on a 401). Thrown inside request handlers and turned
 * into a response in one place.
 */
export class RegistryApiError extends StevedoreError {
  static override readonly marker: symbol = Symbol.for("stevedore.error.server.RegistryApiError");
  /** The HTTP status to answer with. */
  readonly status: number;
  /** The OCI error code of the body. */
  readonly ociCode: OciErrorCode;
  /** Headers to add to the response. */
  readonly headers: Readonly<Record<string, string | string[]>>;

  constructor(
    status: number,
    ociCode: OciErrorCode,
    message: string,
    headers: Record<string, string | string[]> = {},
  ) {
    super("STEVEDORE_REGISTRY_API", message);
    this.status = status;
    this.ociCode = ociCode;
    this.headers = headers;
  }
}
