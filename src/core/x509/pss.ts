import { fromBase64, toArrayBuffer, toBase64 } from "../bytes/encoding.ts";
import type { CoreDeps, WebCryptoKey } from "../deps.ts";
import { importRsaPublicKey } from "./keys.ts";

const PSS_SHA256: RsaHashedImportParams = { name: "RSA-PSS", hash: "SHA-256" };
const SHA256_LENGTH = 32;

/**
 * The largest PSS salt for a modulus of `modulusBits` with SHA-256: emLen − hLen − 2,
 * where emLen = ⌈(modBits − 1) / 8⌉ (RFC 8017 §9.1.1) — 222 for RSA-2048.
 */
export function maxPssSaltLength(modulusBits: number): number {
  return Math.ceil((modulusBits - 1) / 8) - SHA256_LENGTH - 2;
}

/**
 * Signs `data` with the RSA key in `pkcs8Der` using RSA-PSS, SHA-256, MGF1-SHA-256 and
 * the maximum salt length, and returns standard padded Base64 without line breaks — the
 * content of `signed.json.sig` (artifacts.md §9.2, certificates.md §8).
 */
export async function signPss(
  data: Uint8Array,
  pkcs8Der: Uint8Array,
  deps: Pick<CoreDeps, "crypto">,
): Promise<string> {
  return signPssWithKey(data, await importPssSigningKey(pkcs8Der, deps), deps);
}

/** Imports `pkcs8Der` once for {@link signPssWithKey} (a batch signs many files with one key). */
export function importPssSigningKey(
  pkcs8Der: Uint8Array,
  deps: Pick<CoreDeps, "crypto">,
): Promise<WebCryptoKey> {
  return deps.crypto.subtle.importKey("pkcs8", toArrayBuffer(pkcs8Der), PSS_SHA256, false, ["sign"]);
}

/** {@link signPss} with a key from {@link importPssSigningKey}. */
export async function signPssWithKey(
  data: Uint8Array,
  key: WebCryptoKey,
  deps: Pick<CoreDeps, "crypto">,
): Promise<string> {
  const subtle = deps.crypto.subtle;
  const saltLength = maxPssSaltLength((key.algorithm as RsaHashedKeyAlgorithm).modulusLength);
  const signature = await subtle.sign({ name: "RSA-PSS", saltLength }, key, toArrayBuffer(data));
  return toBase64(new Uint8Array(signature));
}

/**
 * Verifies a Base64 RSA-PSS / SHA-256 / MGF1-SHA-256 signature over `data` with the RSA
 * key in `spkiDer`. Surrounding whitespace in `signatureText` is ignored; text that is
 * not Base64 gives false, as does a key WebCrypto cannot import.
 *
 * The reference recovers the salt length from the signature (artifacts.md §9.2). WebCrypto
 * needs it up front, so we try the two lengths a FLARE signer uses: the maximum (what both
 * implementations write) and the digest length, 32 (pyca's `PSS.DIGEST_LENGTH`, OpenSSL's
 * `rsa_pss_saltlen:digest`). Signatures with any other salt length are rejected; that is the one difference.
 */
export async function verifyPss(
  data: Uint8Array,
  signatureText: string,
  spkiDer: Uint8Array,
  deps: Pick<CoreDeps, "crypto">,
): Promise<boolean> {
  let signature: Uint8Array;
  try {
    signature = fromBase64(signatureText.trim());
  } catch {
    return false;
  }
  if (signature.length === 0) return false;
  let key: WebCryptoKey;
  try {
    key = await importRsaPublicKey(spkiDer, deps, "pss");
  } catch {
    return false;
  }
  const modulusBits = (key.algorithm as RsaHashedKeyAlgorithm).modulusLength;
  for (const saltLength of [maxPssSaltLength(modulusBits), SHA256_LENGTH]) {
    try {
      const ok = await deps.crypto.subtle.verify(
        { name: "RSA-PSS", saltLength },
        key,
        toArrayBuffer(signature),
        toArrayBuffer(data),
      );
      if (ok) return true;
    } catch {
      // A salt length this key cannot carry is simply not a match.
    }
  }
  return false;
}
