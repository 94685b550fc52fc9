import { fromHex, toArrayBuffer, utf8 } from "../bytes/encoding.ts";
import type { CoreDeps } from "../deps.ts";
import { derSequence, derTlv, readSingleTlv, type Tlv, tlvChildren, tlvContent } from "./der.ts";
import { readOidValue, readUnsignedValue } from "./der-values.ts";
import { KeyLoadError } from "./keys.ts";
import { encodePem, findPemBlocks } from "./pem.ts";

/**
 * Passphrase-protected private keys: PKCS#8 `EncryptedPrivateKeyInfo` with PBES2 (RFC 8018),
 * PBKDF2-HMAC-SHA256 and AES-256-CBC, the `ENCRYPTED PRIVATE KEY` PEM that `openssl pkey
 * -passin` reads. Everything is WebCrypto, so it runs in the core (docs/decisions.md "Crypto":
 * why not scrypt). Reading also accepts what `openssl pkcs8 -topk8 -v2` writes with other
 * AES key sizes and HMAC hashes.
 */

/** OWASP's 2023 recommendation for PBKDF2-HMAC-SHA256; about half a second here. */
export const DEFAULT_PBKDF2_ITERATIONS = 600_000;
/** A file asking for more would make loading a denial of service. */
export const MAX_PBKDF2_ITERATIONS = 10_000_000;
/** What we write: 16 bytes of salt, as NIST SP 800-132 asks (at least 128 bits). */
const SALT_BYTES = 16;

const OID = {
  pbes2: "1.2.840.113549.1.5.13",
  pbkdf2: "1.2.840.113549.1.5.12",
  hmacWithSHA1: "1.2.840.113549.2.7",
} as const;
const PRF_HASH: Record<string, string> = {
  "1.2.840.113549.2.7": "SHA-1",
  "1.2.840.113549.2.9": "SHA-256",
  "1.2.840.113549.2.10": "SHA-384",
  "1.2.840.113549.2.11": "SHA-512",
};
const AES_CBC_BITS: Record<string, number> = {
  "2.16.840.1.101.3.4.1.2": 128,
  "2.16.840.1.101.3.4.1.22": 192,
  "2.16.840.1.101.3.4.1.42": 256,
};
// DER of the OBJECT IDENTIFIERs we write.
const DER_PBES2 = fromHex("06092a864886f70d01050d");
const DER_PBKDF2 = fromHex("06092a864886f70d01050c");
const DER_HMAC_SHA256 = fromHex("06082a864886f70d0209");
const DER_AES256_CBC = fromHex("060960864801650304012a");

/** Thrown when the passphrase does not open the key (the caller reports `CA_KEY_LOCKED`). */
export class WrongPassphraseError extends Error {
  constructor() {
    super("the passphrase does not decrypt the key");
    this.name = "WrongPassphraseError";
  }
}

/** How a key is protected, for `cert inspect` (nothing secret). */
export interface EncryptionParams {
  prfHash: string;
  iterations: number;
  cipher: string;
  salt: Uint8Array;
  iv: Uint8Array;
  keyBytes: number;
  ciphertext: Uint8Array;
}

/** True when `pem` holds an encrypted private key (PKCS#8 or legacy OpenSSL `Proc-Type`). */
export function isEncryptedKeyPem(pem: string | Uint8Array): boolean {
  try {
    return findPemBlocks(pem).some(
      (b) =>
        b.label === "ENCRYPTED PRIVATE KEY" ||
        (b.label.endsWith("PRIVATE KEY") && /ENCRYPTED/i.test(b.headers["Proc-Type"] ?? "")),
    );
  } catch {
    return false;
  }
}

/** A DER INTEGER of a non-negative safe integer (minimal, with a 0x00 before a set high bit). */
function derUnsigned(value: number): Uint8Array {
  const bytes: number[] = [];
  let n = value;
  do {
    bytes.unshift(n & 0xff);
    n = Math.floor(n / 256);
  } while (n > 0);
  if ((bytes[0] ?? 0) & 0x80) bytes.unshift(0);
  return derTlv(0x02, Uint8Array.from(bytes));
}

async function deriveAesKey(
  passphrase: string,
  params: Pick<EncryptionParams, "salt" | "iterations" | "prfHash" | "keyBytes">,
  usage: "encrypt" | "decrypt",
  deps: Pick<CoreDeps, "crypto">,
) {
  const subtle = deps.crypto.subtle;
  const base = await subtle.importKey("raw", toArrayBuffer(utf8(passphrase)), "PBKDF2", false, [
    "deriveBits",
  ]);
  const bits = await subtle.deriveBits(
    { name: "PBKDF2", salt: toArrayBuffer(params.salt), iterations: params.iterations, hash: params.prfHash },
    base,
    params.keyBytes * 8,
  );
  return subtle.importKey("raw", bits, "AES-CBC", false, [usage]);
}

/**
 * Encrypts a DER PKCS#8 PrivateKeyInfo under `passphrase`: PBES2, PBKDF2-HMAC-SHA256 with a
 * fresh 16-byte salt and `iterations` (default {@link DEFAULT_PBKDF2_ITERATIONS}), AES-256-CBC
 * with a fresh IV. Returns the `ENCRYPTED PRIVATE KEY` PEM.
 */
export async function encryptPrivateKey(
  pkcs8Der: Uint8Array,
  passphrase: string,
  deps: Pick<CoreDeps, "crypto" | "randomBytes">,
  iterations = DEFAULT_PBKDF2_ITERATIONS,
): Promise<string> {
  const salt = deps.randomBytes(SALT_BYTES).slice(0, SALT_BYTES);
  const iv = deps.randomBytes(16).slice(0, 16);
  const key = await deriveAesKey(
    passphrase,
    { salt, iterations, prfHash: "SHA-256", keyBytes: 32 },
    "encrypt",
    deps,
  );
  const ciphertext = new Uint8Array(
    await deps.crypto.subtle.encrypt(
      { name: "AES-CBC", iv: toArrayBuffer(iv) },
      key,
      toArrayBuffer(pkcs8Der),
    ),
  );
  const pbkdf2Params = derSequence(
    derTlv(0x04, salt),
    derUnsigned(iterations),
    derSequence(DER_HMAC_SHA256, Uint8Array.of(0x05, 0x00)),
  );
  const algorithm = derSequence(
    DER_PBES2,
    derSequence(derSequence(DER_PBKDF2, pbkdf2Params), derSequence(DER_AES256_CBC, derTlv(0x04, iv))),
  );
  return encodePem("ENCRYPTED PRIVATE KEY", derSequence(algorithm, derTlv(0x04, ciphertext)));
}

function children(der: Uint8Array, tlv: Tlv | undefined, what: string): Tlv[] {
  if (tlv?.tag !== 0x30) throw new KeyLoadError(`malformed encrypted private key: ${what}`);
  return tlvChildren(der, tlv!);
}

/**
 * Reads the PBES2 parameters of an `EncryptedPrivateKeyInfo` (DER). Throws
 * {@link KeyLoadError} for anything but PBES2 with PBKDF2 and AES-CBC, or an iteration count
 * outside 1..{@link MAX_PBKDF2_ITERATIONS}.
 */
export function readEncryptionParams(der: Uint8Array): EncryptionParams {
  try {
    const [algTlv, dataTlv] = children(der, readSingleTlv(der), "not a SEQUENCE");
    const [schemeOid, pbes2Params] = children(der, algTlv, "no encryption algorithm");
    if (!schemeOid || readOidValue(der, schemeOid) !== OID.pbes2)
      throw new KeyLoadError("unsupported key encryption: only PBES2 (PKCS#8 v2) is read");
    const [kdfTlv, encTlv] = children(der, pbes2Params, "no PBES2 parameters");
    const [kdfOid, kdfParams] = children(der, kdfTlv, "no key derivation function");
    if (!kdfOid || readOidValue(der, kdfOid) !== OID.pbkdf2)
      throw new KeyLoadError("unsupported key derivation: only PBKDF2 is read");
    const kdf = children(der, kdfParams, "no PBKDF2 parameters");
    const [saltTlv, iterTlv] = kdf;
    if (saltTlv?.tag !== 0x04 || iterTlv?.tag !== 0x02)
      throw new KeyLoadError("malformed encrypted private key: PBKDF2 salt or iteration count");
    const iterations = readUnsignedValue(der, iterTlv);
    if (iterations < 1n || iterations > BigInt(MAX_PBKDF2_ITERATIONS))
      throw new KeyLoadError(
        `unsupported PBKDF2 iteration count ${iterations} (1 to ${MAX_PBKDF2_ITERATIONS})`,
      );
    // Optional keyLength INTEGER, then an optional prf AlgorithmIdentifier (default HMAC-SHA1).
    const rest = kdf.slice(2);
    const prfTlv = rest.find((t) => t.tag === 0x30);
    const prfOid = prfTlv ? readOidValue(der, children(der, prfTlv, "PBKDF2 prf")[0]!) : OID.hmacWithSHA1;
    const prfHash = PRF_HASH[prfOid];
    if (!prfHash) throw new KeyLoadError(`unsupported PBKDF2 pseudo-random function ${prfOid}`);
    const [encOid, ivTlv] = children(der, encTlv, "no encryption scheme");
    const cipherOid = encOid ? readOidValue(der, encOid) : "";
    const bits = AES_CBC_BITS[cipherOid];
    if (!bits) throw new KeyLoadError(`unsupported key cipher ${cipherOid}: only AES-CBC is read`);
    const iv = ivTlv?.tag === 0x04 ? tlvContent(der, ivTlv) : undefined;
    if (iv?.length !== 16) throw new KeyLoadError("malformed encrypted private key: AES-CBC IV");
    const keyLengthTlv = rest.find((t) => t.tag === 0x02);
    if (keyLengthTlv && readUnsignedValue(der, keyLengthTlv) !== BigInt(bits / 8))
      throw new KeyLoadError("malformed encrypted private key: PBKDF2 key length does not fit the cipher");
    if (dataTlv?.tag !== 0x04) throw new KeyLoadError("malformed encrypted private key: no encrypted data");
    return {
      prfHash,
      iterations: Number(iterations),
      cipher: `AES-${bits}-CBC`,
      salt: tlvContent(der, saltTlv),
      iv,
      keyBytes: bits / 8,
      ciphertext: tlvContent(der, dataTlv),
    };
  } catch (error) {
    if (error instanceof KeyLoadError) throw error;
    throw new KeyLoadError(`malformed encrypted private key: ${(error as Error).message}`, { cause: error });
  }
}

/** The DER of the `ENCRYPTED PRIVATE KEY` block in `pem`; {@link KeyLoadError} otherwise. */
export function encryptedKeyDer(pem: string | Uint8Array): Uint8Array {
  let blocks: ReturnType<typeof findPemBlocks>;
  try {
    blocks = findPemBlocks(pem);
  } catch (error) {
    throw new KeyLoadError(`malformed PEM private key: ${(error as Error).message}`, { cause: error });
  }
  const block = blocks.find((b) => b.label === "ENCRYPTED PRIVATE KEY");
  if (block) return block.der;
  if (blocks.some((b) => /ENCRYPTED/i.test(b.headers["Proc-Type"] ?? ""))) {
    throw new KeyLoadError(
      "the key uses OpenSSL's legacy PEM encryption (Proc-Type); convert it with 'openssl pkcs8 -topk8 -v2 aes-256-cbc'",
    );
  }
  throw new KeyLoadError("not an encrypted PKCS#8 private key (no ENCRYPTED PRIVATE KEY block)");
}

/**
 * Decrypts an `ENCRYPTED PRIVATE KEY` PEM with `passphrase` and returns the DER PKCS#8
 * PrivateKeyInfo. A wrong passphrase is {@link WrongPassphraseError} (AES-CBC padding fails,
 * or, about once in 256 tries, what comes out is not a PrivateKeyInfo); anything unsupported
 * or malformed is {@link KeyLoadError}.
 */
export async function decryptPrivateKey(
  pem: string | Uint8Array,
  passphrase: string,
  deps: Pick<CoreDeps, "crypto">,
): Promise<Uint8Array> {
  const params = readEncryptionParams(encryptedKeyDer(pem));
  const key = await deriveAesKey(passphrase, params, "decrypt", deps);
  let plain: Uint8Array;
  try {
    plain = new Uint8Array(
      await deps.crypto.subtle.decrypt(
        { name: "AES-CBC", iv: toArrayBuffer(params.iv) },
        key,
        toArrayBuffer(params.ciphertext),
      ),
    );
  } catch {
    throw new WrongPassphraseError();
  }
  // A PrivateKeyInfo is one SEQUENCE starting with version 0 (or 1, RFC 5958).
  try {
    const [version] = tlvChildren(plain, readSingleTlv(plain));
    if (plain[0] !== 0x30 || version?.tag !== 0x02) throw new WrongPassphraseError();
  } catch {
    throw new WrongPassphraseError();
  }
  return plain;
}
