/**
 * Writer of the X.509 v2 CRL `cert revoke` puts in the CA folder (RFC 5280 §5): version v2,
 * sha256WithRSAEncryption, issuer = the root's subject byte for byte, thisUpdate, nextUpdate,
 * one revokedCertificates entry per serial with a reasonCode, and the crlExtensions
 * authorityKeyIdentifier (the root's subjectKeyIdentifier) and cRLNumber. verify-crl.ts and
 * `openssl crl -verify` accept what it writes; the server guard reads it.
 */
import { AsnConvert, OctetString } from "@peculiar/asn1-schema";
import { AuthorityKeyIdentifier, Extension, KeyIdentifier, Time } from "@peculiar/asn1-x509";
import { fromHex } from "../bytes/encoding.ts";
import type { CoreDeps, WebCryptoKey } from "../deps.ts";
import type { ParsedCertificate } from "../x509/certificate.ts";
import { derSequence, derTlv } from "../x509/der.ts";
import { encodePem } from "../x509/pem.ts";
import { unsignedIntegerContent } from "../x509/serial.ts";
import { SHA256_WITH_RSA_DER, signEnvelope } from "../x509/signature.ts";
import { CRL_OID, CRL_PEM_LABEL, CRL_REASONS } from "./parse-crl.ts";

/** One revoked certificate of a CRL to write. */
export interface CrlRevocation {
  /** `0x` + hex, as the ledger and signed.json write serials. */
  serial: string;
  revokedAt: Date;
  /** A CRLReason name of RFC 5280 §5.3.1. */
  reason: string;
}

/** What {@link writeCrl} signs. */
export interface CrlContents {
  crlNumber: number;
  thisUpdate: Date;
  nextUpdate: Date;
  revoked: readonly CrlRevocation[];
}

/** The reason code of a CRLReason name, or undefined. */
export function crlReasonCode(name: string): number | undefined {
  for (const [code, known] of Object.entries(CRL_REASONS)) if (known === name) return Number(code);
  return undefined;
}

function time(date: Date): Uint8Array {
  return new Uint8Array(AsnConvert.serialize(new Time(date)));
}

function integer(value: bigint): Uint8Array {
  let hex = value.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  return derTlv(0x02, unsignedIntegerContent(fromHex(hex)));
}

function extension(oid: string, value: Uint8Array): Uint8Array {
  const extnValue = new OctetString(value);
  return new Uint8Array(AsnConvert.serialize(new Extension({ extnID: oid, critical: false, extnValue })));
}

/** The DER TBSCertList for `contents` issued by `root`. */
export function crlTbs(contents: CrlContents, root: ParsedCertificate): Uint8Array {
  if (!root.skiHex) throw new Error("the root CA certificate has no subjectKeyIdentifier");
  const entries = contents.revoked.map((r) => {
    const code = crlReasonCode(r.reason);
    if (code === undefined) throw new Error(`unknown revocation reason '${r.reason}'`);
    const serial = BigInt(r.serial);
    const reason = extension(CRL_OID.reasonCode, derTlv(0x0a, Uint8Array.of(code)));
    return derSequence(integer(serial), time(r.revokedAt), derSequence(reason));
  });
  const aki = new Uint8Array(
    AsnConvert.serialize(
      new AuthorityKeyIdentifier({ keyIdentifier: new KeyIdentifier(fromHex(root.skiHex)) }),
    ),
  );
  const crlExtensions = derTlv(
    0xa0,
    derSequence(
      extension(CRL_OID.authorityKeyIdentifier, aki),
      extension(CRL_OID.crlNumber, integer(BigInt(contents.crlNumber))),
    ),
  );
  return derSequence(
    Uint8Array.of(0x02, 0x01, 0x01), // version v2
    SHA256_WITH_RSA_DER,
    root.subjectDer,
    time(contents.thisUpdate),
    time(contents.nextUpdate),
    // RFC 5280 §5.1.2.6: absent, not empty, when nothing is revoked.
    ...(entries.length > 0 ? [derSequence(...entries)] : []),
    crlExtensions,
  );
}

/** Signs the CRL with the root key (RSASSA-PKCS1-v1_5 / SHA-256); returns its DER and PEM. */
export async function writeCrl(
  contents: CrlContents,
  root: ParsedCertificate,
  rootKey: WebCryptoKey,
  deps: Pick<CoreDeps, "crypto">,
): Promise<{ der: Uint8Array; pem: string }> {
  const der = await signEnvelope(crlTbs(contents, root), rootKey, deps);
  return { der, pem: encodePem(CRL_PEM_LABEL, der) };
}
