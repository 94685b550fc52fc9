import { fromHex, toArrayBuffer } from "../bytes/encoding.ts";
import type { CoreDeps, WebCryptoKey } from "../deps.ts";
import { DerError, derSequence, derTlv, type Tlv, tlvContent } from "./der.ts";
import { importRsaPublicKey, PKCS1_SHA256 } from "./keys.ts";

/** OID of sha256WithRSAEncryption, the signature algorithm of every CSR and certificate we write. */
export const OID_SHA256_WITH_RSA = "1.2.840.113549.1.1.11";

/** DER AlgorithmIdentifier `{sha256WithRSAEncryption, NULL}`, as OpenSSL and pyca encode it. */
export const SHA256_WITH_RSA_DER: Uint8Array = fromHex("300d06092a864886f70d01010b0500");

/** WebCrypto hash names of the PKCS#1 v1.5 RSA signature OIDs we can verify. */
const PKCS1_HASHES: Record<string, string> = {
  "1.2.840.113549.1.1.5": "SHA-1",
  "1.2.840.113549.1.1.11": "SHA-256",
  "1.2.840.113549.1.1.12": "SHA-384",
  "1.2.840.113549.1.1.13": "SHA-512",
};

/** The WebCrypto hash of a PKCS#1 v1.5 RSA signature-algorithm OID, or undefined if unsupported. */
export function pkcs1HashFor(signatureOid: string): string | undefined {
  return PKCS1_HASHES[signatureOid];
}

/**
 * Signs `tbs` with `privateKey` (RSASSA-PKCS1-v1_5 / SHA-256) and wraps it as
 * `SEQUENCE { tbs, sha256WithRSAEncryption, BIT STRING signature }` — the outer shape of
 * both a certificate and a PKCS#10 request. `tbs` is embedded byte for byte.
 */
export async function signEnvelope(
  tbs: Uint8Array,
  privateKey: WebCryptoKey,
  deps: Pick<CoreDeps, "crypto">,
): Promise<Uint8Array> {
  const signature = new Uint8Array(
    await deps.crypto.subtle.sign(PKCS1_SHA256, privateKey, toArrayBuffer(tbs)),
  );
  return derSequence(tbs, SHA256_WITH_RSA_DER, derTlv(0x03, Uint8Array.of(0), signature));
}

/**
 * Verifies a PKCS#1 v1.5 RSA signature made with the algorithm `signatureOid` over `data`
 * with the key in `spkiDer`. False for a wrong signature, an unsupported algorithm or a
 * key WebCrypto cannot import as RSA.
 */
export async function verifyPkcs1(
  signatureOid: string,
  signature: Uint8Array,
  data: Uint8Array,
  spkiDer: Uint8Array,
  deps: Pick<CoreDeps, "crypto">,
): Promise<boolean> {
  const hash = pkcs1HashFor(signatureOid);
  if (!hash) return false;
  try {
    const key = await importRsaPublicKey(spkiDer, deps, "pkcs1", hash);
    return await deps.crypto.subtle.verify(
      "RSASSA-PKCS1-v1_5",
      key,
      toArrayBuffer(signature),
      toArrayBuffer(data),
    );
  } catch {
    return false;
  }
}

/** The bytes of a BIT STRING element, which must have no unused bits (signatures, keys). */
export function bitStringBytes(bytes: Uint8Array, tlv: Tlv): Uint8Array {
  if (tlv.tag !== 0x03) throw new DerError("expected a BIT STRING");
  const content = tlvContent(bytes, tlv);
  if (content.length === 0 || content[0] !== 0) throw new DerError("BIT STRING with unused bits");
  return content.subarray(1);
}
