import { PrivateKeyInfo } from "@peculiar/asn1-pkcs8";
import { RSAPrivateKey } from "@peculiar/asn1-rsa";
import { AsnConvert } from "@peculiar/asn1-schema";
import { AlgorithmIdentifier } from "@peculiar/asn1-x509";
import { toArrayBuffer } from "../bytes/encoding.ts";
import type { CoreDeps, WebCryptoKey } from "../deps.ts";
import { derSequence, derTlv } from "./der.ts";
import { encodePem, findPemBlocks, type PemError } from "./pem.ts";

/** OID of `rsaEncryption`, the algorithm of every RSA SubjectPublicKeyInfo and PKCS#8 key. */
export const OID_RSA_ENCRYPTION = "1.2.840.113549.1.1.1";

/** The WebCrypto algorithm every certificate and CSR signature here uses (certificates.md §2-4). */
export const PKCS1_SHA256 = {
  name: "RSASSA-PKCS1-v1_5",
  hash: "SHA-256",
} as const satisfies RsaHashedImportParams;

/** A private key ready for signing, with the public half in the two encodings we need. */
export interface LoadedPrivateKey {
  /** RSASSA-PKCS1-v1_5 / SHA-256 signing key (not extractable). */
  privateKey: WebCryptoKey;
  /** DER SubjectPublicKeyInfo of the matching public key, as OpenSSL encodes it. */
  spkiDer: Uint8Array;
  /** DER PKCS#8 PrivateKeyInfo; re-import it for other schemes (RSA-PSS, see pss.ts). */
  pkcs8Der: Uint8Array;
  /** The RSA-PSS import of `pkcs8Der`, kept once made (a batch signs many approvals). */
  pssKey?: WebCryptoKey;
}

/** A freshly generated RSA-2048 key pair (certificates.md §1). */
export interface RsaKeyPair extends LoadedPrivateKey {
  /** PKCS#1 `RSA PRIVATE KEY` PEM: 64-character lines, LF, trailing newline. */
  privateKeyPem: string;
  /** RSASSA-PKCS1-v1_5 / SHA-256 verification key. */
  publicKey: WebCryptoKey;
}

/** What signing a CSR or certificate needs: the key and its SubjectPublicKeyInfo. */
export type SigningKey = Pick<LoadedPrivateKey, "privateKey" | "spkiDer">;

/**
 * Why a private key could not be loaded. Callers choose the code: `KEY_INVALID` in
 * `package`, `CA_LOAD_FAILED` for `rootCA.key` (validation.md §4.3 row 30, §4.4 row 28).
 */
export class KeyLoadError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "KeyLoadError";
  }
}

const PRIVATE_KEY_LABELS = new Set([
  "RSA PRIVATE KEY",
  "PRIVATE KEY",
  "ENCRYPTED PRIVATE KEY",
  "EC PRIVATE KEY",
  "DSA PRIVATE KEY",
  "OPENSSH PRIVATE KEY",
]);

/**
 * Generates an RSA-2048 key pair with public exponent 65537 (certificates.md §1) and
 * returns it with its PKCS#1 PEM, SPKI and PKCS#8 encodings.
 */
export async function generateRsaKeyPair(deps: Pick<CoreDeps, "crypto">): Promise<RsaKeyPair> {
  const subtle = deps.crypto.subtle;
  const pair = (await subtle.generateKey(
    { ...PKCS1_SHA256, modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]) },
    true,
    ["sign", "verify"],
  )) as CryptoKeyPair;
  const pkcs8Der = new Uint8Array(await subtle.exportKey("pkcs8", pair.privateKey));
  const spkiDer = new Uint8Array(await subtle.exportKey("spki", pair.publicKey));
  const pkcs1Der = pkcs8ToPkcs1(pkcs8Der);
  // Re-import so the long-lived signing key is not extractable.
  const privateKey = await subtle.importKey("pkcs8", toArrayBuffer(pkcs8Der), PKCS1_SHA256, false, ["sign"]);
  return {
    privateKeyPem: encodePem("RSA PRIVATE KEY", pkcs1Der),
    privateKey,
    publicKey: pair.publicKey,
    spkiDer,
    pkcs8Der,
  };
}

/**
 * Loads an unencrypted RSA private key from PEM: PKCS#1 (`RSA PRIVATE KEY`) or PKCS#8
 * (`PRIVATE KEY`), as the reference does (certificates.md §1). The public key is derived
 * from the private key's modulus and exponent. Throws {@link KeyLoadError} saying why
 * (encrypted, not RSA, not a key, bad PEM).
 */
export async function parsePrivateKeyPem(
  pem: string | Uint8Array,
  deps: Pick<CoreDeps, "crypto">,
): Promise<LoadedPrivateKey> {
  let blocks: ReturnType<typeof findPemBlocks>;
  try {
    blocks = findPemBlocks(pem);
  } catch (err) {
    throw new KeyLoadError(`malformed PEM private key: ${(err as PemError).message}`, { cause: err });
  }
  const block = blocks.find((b) => PRIVATE_KEY_LABELS.has(b.label));
  if (!block) {
    if (blocks.length === 0) throw new KeyLoadError("not a PEM private key (no PEM block found)");
    throw new KeyLoadError(`not a private key (found PEM "${blocks[0]!.label}")`);
  }
  const encrypted =
    block.label === "ENCRYPTED PRIVATE KEY" || /ENCRYPTED/i.test(block.headers["Proc-Type"] ?? "");
  if (encrypted) throw new KeyLoadError("the private key is encrypted; an unencrypted key is required");

  let pkcs8Der: Uint8Array;
  if (block.label === "RSA PRIVATE KEY") {
    checkPkcs1(block.der);
    pkcs8Der = pkcs1ToPkcs8(block.der);
  } else if (block.label === "PRIVATE KEY") {
    let info: PrivateKeyInfo;
    try {
      info = AsnConvert.parse(block.der, PrivateKeyInfo);
    } catch (err) {
      throw new KeyLoadError("malformed PKCS#8 private key", { cause: err });
    }
    const oid = info.privateKeyAlgorithm.algorithm;
    if (oid !== OID_RSA_ENCRYPTION)
      throw new KeyLoadError(`the private key is not an RSA key (algorithm ${oid})`);
    checkPkcs1(new Uint8Array(info.privateKey.buffer));
    pkcs8Der = block.der;
  } else {
    throw new KeyLoadError(`the private key is not an RSA key (found PEM "${block.label}")`);
  }
  return loadPkcs8(pkcs8Der, deps);
}

/** Imports a DER PKCS#8 RSA key and derives its SPKI (see {@link parsePrivateKeyPem}). */
export async function loadPkcs8(
  pkcs8Der: Uint8Array,
  deps: Pick<CoreDeps, "crypto">,
): Promise<LoadedPrivateKey> {
  const subtle = deps.crypto.subtle;
  let extractable: WebCryptoKey;
  try {
    extractable = await subtle.importKey("pkcs8", toArrayBuffer(pkcs8Der), PKCS1_SHA256, true, ["sign"]);
  } catch (err) {
    throw new KeyLoadError(`the RSA private key is invalid: ${(err as Error).message}`, { cause: err });
  }
  // The public key is n and e of the private key; WebCrypto encodes its SPKI canonically.
  const jwk = await subtle.exportKey("jwk", extractable);
  const publicKey = await subtle.importKey(
    "jwk",
    { kty: "RSA", n: jwk.n!, e: jwk.e!, ext: true },
    PKCS1_SHA256,
    true,
    ["verify"],
  );
  const spkiDer = new Uint8Array(await subtle.exportKey("spki", publicKey));
  const privateKey = await subtle.importKey("pkcs8", toArrayBuffer(pkcs8Der), PKCS1_SHA256, false, ["sign"]);
  return { privateKey, spkiDer, pkcs8Der };
}

/**
 * Imports a DER SubjectPublicKeyInfo as an RSA verification key for PKCS#1 v1.5
 * (`"pkcs1"`, default) or RSA-PSS (`"pss"`), with the given hash (default SHA-256).
 */
export async function importRsaPublicKey(
  spkiDer: Uint8Array,
  deps: Pick<CoreDeps, "crypto">,
  scheme: "pkcs1" | "pss" = "pkcs1",
  hash = "SHA-256",
): Promise<WebCryptoKey> {
  const name = scheme === "pss" ? "RSA-PSS" : "RSASSA-PKCS1-v1_5";
  return deps.crypto.subtle.importKey("spki", toArrayBuffer(spkiDer), { name, hash }, true, ["verify"]);
}

/** The PKCS#1 RSAPrivateKey inside a PKCS#8 PrivateKeyInfo. */
export function pkcs8ToPkcs1(pkcs8Der: Uint8Array): Uint8Array {
  const info = AsnConvert.parse(pkcs8Der, PrivateKeyInfo);
  return new Uint8Array(info.privateKey.buffer);
}

/** Wraps a PKCS#1 RSAPrivateKey in a PKCS#8 PrivateKeyInfo (version 0, rsaEncryption, NULL). */
export function pkcs1ToPkcs8(pkcs1Der: Uint8Array): Uint8Array {
  const algorithm = new Uint8Array(
    AsnConvert.serialize(new AlgorithmIdentifier({ algorithm: OID_RSA_ENCRYPTION, parameters: null })),
  );
  return derSequence(Uint8Array.of(0x02, 0x01, 0x00), algorithm, derTlv(0x04, pkcs1Der));
}

function checkPkcs1(der: Uint8Array): void {
  try {
    AsnConvert.parse(der, RSAPrivateKey);
  } catch (err) {
    throw new KeyLoadError("malformed PKCS#1 RSA private key", { cause: err });
  }
}
