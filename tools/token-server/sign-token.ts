import { type KeyObject, sign } from "node:crypto";
import type { Scope } from "./scope.ts";

/** The claims of a distribution registry token (spec/PROTOCOL.md §11.5). */
export interface TokenClaims {
  iss: string;
  /** The account, or `""` when anonymous. */
  sub: string;
  /** The registry's service name. */
  aud: string;
  exp: number;
  nbf: number;
  iat: number;
  jti: string;
  access: Scope[];
}

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}

/**
 * Signs an ES256 JWT whose header carries the certificate in `x5c`, as distribution 2.8 verifies it
 * against its `rootcertbundle`. JWS wants the raw r||s signature (IEEE P1363), not DER (spec/PROTOCOL.md §11.5).
 */
export function signToken(claims: TokenClaims, privateKey: KeyObject, certificateBase64: string): string {
  const signingInput = `${base64url({ alg: "ES256", typ: "JWT", x5c: [certificateBase64] })}.${base64url(claims)}`;
  const signature = sign("sha256", Buffer.from(signingInput), { key: privateKey, dsaEncoding: "ieee-p1363" });
  return `${signingInput}.${signature.toString("base64url")}`;
}
