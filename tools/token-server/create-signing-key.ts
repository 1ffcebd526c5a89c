import { execFile } from "node:child_process";
import { generateKeyPairSync, type KeyObject, X509Certificate } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** An EC P-256 key and the self-signed certificate the registry trusts as its `rootcertbundle`. */
export interface SigningKey {
  /** The private key that signs ES256 tokens. */
  privateKey: KeyObject;
  /** The PEM certificate file, for the registry's `auth.token.rootcertbundle`. */
  certificatePath: string;
  /** Standard base64 of the DER certificate: the single entry of the JWT header's `x5c`. */
  certificateBase64: string;
}

/**
 * Generates a P-256 key with node:crypto and a self-signed certificate for it with the openssl CLI, both
 * written into `directory`. The certificate is valid from now for two days: long enough for any test run.
 */
export async function createSigningKey(directory: string, commonName: string): Promise<SigningKey> {
  const { privateKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  const keyPath = join(directory, "token-signing-key.pem");
  const certificatePath = join(directory, "token-signing-certificate.pem");
  await writeFile(keyPath, privateKey.export({ format: "pem", type: "pkcs8" }), { mode: 0o600 });
  try {
    await run("openssl", [
      "req",
      "-x509",
      "-new",
      "-key",
      keyPath,
      "-subj",
      `/CN=${commonName}`,
      "-days",
      "2",
      "-out",
      certificatePath,
    ]);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") {
      throw new Error(
        "openssl is not installed: install the Debian package openssl (apt-get install openssl)",
      );
    }
    const stderr = String((error as { stderr?: unknown }).stderr ?? "").trim();
    throw new Error(`openssl could not create the token signing certificate: ${stderr || String(error)}`);
  }
  const certificate = new X509Certificate(await readFile(certificatePath));
  return { privateKey, certificatePath, certificateBase64: certificate.raw.toString("base64") };
}
