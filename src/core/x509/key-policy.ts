import { RSAPublicKey } from "@peculiar/asn1-rsa";
import { AsnConvert } from "@peculiar/asn1-schema";
import { SubjectPublicKeyInfo } from "@peculiar/asn1-x509";
import { OID_RSA_ENCRYPTION } from "./keys.ts";

/** The smallest RSA modulus we sign, load or trust (NIST SP 800-131A: 112-bit security). */
export const MIN_RSA_BITS = 2048;

/** The one RSA public exponent we accept (F4; what every key we generate uses, certificates.md §1). */
export const RSA_PUBLIC_EXPONENT = 65537n;

/** The policy in words, for messages and docs (docs/security.md "Key strength"). */
export const KEY_POLICY_TEXT = `the key-strength policy requires RSA keys of at least ${MIN_RSA_BITS} bits with public exponent ${RSA_PUBLIC_EXPONENT}`;

/** Size and exponent of an RSA public key. */
export interface RsaKeyFacts {
  /** Bit length of the modulus (leading zero bits not counted). */
  bits: number;
  exponent: bigint;
}

/**
 * The modulus size and public exponent of a DER SubjectPublicKeyInfo. Throws for anything that
 * is not an RSA key (callers only reach this with keys that already parsed as RSA).
 */
export function rsaKeyFacts(spkiDer: Uint8Array): RsaKeyFacts {
  const spki = AsnConvert.parse(spkiDer, SubjectPublicKeyInfo);
  if (spki.algorithm.algorithm !== OID_RSA_ENCRYPTION)
    throw new Error(`not an RSA public key (algorithm ${spki.algorithm.algorithm})`);
  const key = AsnConvert.parse(spki.subjectPublicKey, RSAPublicKey);
  return {
    bits: bitLength(new Uint8Array(key.modulus)),
    exponent: toBigInt(new Uint8Array(key.publicExponent)),
  };
}

/**
 * Why an RSA public key is too weak to sign, load or trust, or `undefined` when it meets the
 * policy: at least {@link MIN_RSA_BITS} bits and exponent {@link RSA_PUBLIC_EXPONENT}. Small
 * moduli are factorable (RSA-512 in hours, RSA-768 was factored in 2009); e=3 invites the
 * low-exponent attacks on PKCS#1 v1.5 signature verification (Bleichenbacher 2006). The text
 * says what was found and the policy.
 */
export function rsaKeyPolicyProblem(spkiDer: Uint8Array): string | undefined {
  let facts: RsaKeyFacts;
  try {
    facts = rsaKeyFacts(spkiDer);
  } catch (error) {
    return `the public key cannot be read as an RSA key (${(error as Error).message}); ${KEY_POLICY_TEXT}`;
  }
  if (facts.bits >= MIN_RSA_BITS && facts.exponent === RSA_PUBLIC_EXPONENT) return undefined;
  return `the key is RSA-${facts.bits} with public exponent ${facts.exponent}; ${KEY_POLICY_TEXT}`;
}

function bitLength(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length && bytes[i] === 0) i++;
  if (i === bytes.length) return 0;
  return (bytes.length - i - 1) * 8 + (32 - Math.clz32(bytes[i] as number));
}

function toBigInt(bytes: Uint8Array): bigint {
  let n = 0n;
  for (const byte of bytes) n = (n << 8n) | BigInt(byte);
  return n;
}
