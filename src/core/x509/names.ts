import { AsnConvert } from "@peculiar/asn1-schema";
import { AttributeTypeAndValue, AttributeValue, Name, RelativeDistinguishedName } from "@peculiar/asn1-x509";
import { toHex } from "../bytes/encoding.ts";

/** Attribute-type OIDs used in subjects. */
export const OID = {
  commonName: "2.5.4.3",
  countryName: "2.5.4.6",
  localityName: "2.5.4.7",
  stateOrProvinceName: "2.5.4.8",
  organizationName: "2.5.4.10",
  unstructuredName: "1.2.840.113549.1.9.2",
} as const;

/** OpenSSL's short display names, for {@link SubjectAttrs.toString}. */
const SHORT_NAMES: Record<string, string> = {
  [OID.commonName]: "CN",
  [OID.countryName]: "C",
  [OID.localityName]: "L",
  [OID.stateOrProvinceName]: "ST",
  [OID.organizationName]: "O",
  [OID.unstructuredName]: "unstructuredName",
};

/** pyca/cryptography's names of the OIDs, which the reference prints in errors. */
const LONG_NAMES: Record<string, string> = {
  [OID.commonName]: "commonName",
  [OID.countryName]: "countryName",
  [OID.localityName]: "localityName",
  [OID.stateOrProvinceName]: "stateOrProvinceName",
  [OID.organizationName]: "organizationName",
  [OID.unstructuredName]: "unstructuredName",
};

/**
 * The subject attributes the signer looks at and refuses to see twice (certificates.md §2,
 * validation.md §4.3 row 32): CN, O, C, ST, L.
 */
export const SIGNER_UNIQUE_OIDS: readonly string[] = [
  OID.commonName,
  OID.organizationName,
  OID.countryName,
  OID.stateOrProvinceName,
  OID.localityName,
];

/** One attribute of a distinguished name. */
export interface SubjectAttribute {
  /** Dotted attribute-type OID. */
  oid: string;
  /** The decoded string value; a value that is not a string type is `#` + hex of its DER. */
  value: string;
}

/**
 * A distinguished name as the flat, ordered list of its attributes (every RDN, every
 * attribute of a multi-valued RDN), the way pyca/cryptography iterates a Name.
 */
export class SubjectAttrs {
  readonly attributes: readonly SubjectAttribute[];

  constructor(attributes: readonly SubjectAttribute[]) {
    this.attributes = attributes;
  }

  /** The first value of `oid`, or undefined. */
  first(oid: string): string | undefined {
    return this.attributes.find((a) => a.oid === oid)?.value;
  }

  /** Every value of `oid`, in order. */
  all(oid: string): string[] {
    return this.attributes.filter((a) => a.oid === oid).map((a) => a.value);
  }

  /** The first CN. */
  get commonName(): string | undefined {
    return this.first(OID.commonName);
  }

  /** The first O. */
  get organization(): string | undefined {
    return this.first(OID.organizationName);
  }

  /** The first unstructuredName (the certificate type, certificates.md §2). */
  get unstructuredName(): string | undefined {
    return this.first(OID.unstructuredName);
  }

  /**
   * The pyca names (`commonName`, `organizationName`, …) of the attributes among `oids`
   * (default {@link SIGNER_UNIQUE_OIDS}) that occur more than once, ordered by where the
   * repeat occurs; empty when there is none. The reference's signer fails on the first.
   */
  duplicated(oids: readonly string[] = SIGNER_UNIQUE_OIDS): string[] {
    const seen = new Set<string>();
    const out: string[] = [];
    for (const { oid } of this.attributes) {
      if (!oids.includes(oid)) continue;
      const name = LONG_NAMES[oid] ?? oid;
      if (seen.has(oid) && !out.includes(name)) out.push(name);
      seen.add(oid);
    }
    return out;
  }

  /** OpenSSL-style one-line form, e.g. `CN = a, O = b, unstructuredName = client`. */
  toString(): string {
    return this.attributes.map((a) => `${SHORT_NAMES[a.oid] ?? a.oid} = ${a.value}`).join(", ");
  }
}

/**
 * The DER Name of `attributes`, each in its own RDN, in order, every value a UTF8String —
 * the encoding of every subject the reference writes (certificates.md §2-4).
 */
export function encodeUtf8Name(attributes: readonly SubjectAttribute[]): Uint8Array {
  const name = new Name(
    attributes.map(
      (a) =>
        new RelativeDistinguishedName([
          new AttributeTypeAndValue({ type: a.oid, value: new AttributeValue({ utf8String: a.value }) }),
        ]),
    ),
  );
  return new Uint8Array(AsnConvert.serialize(name));
}

/** Parses a DER Name into {@link SubjectAttrs}; throws on malformed DER. */
export function parseName(der: Uint8Array): SubjectAttrs {
  const name = AsnConvert.parse(der, Name);
  const attributes: SubjectAttribute[] = [];
  for (const rdn of name) {
    for (const atv of rdn) attributes.push({ oid: atv.type, value: attributeText(atv.value) });
  }
  return new SubjectAttrs(attributes);
}

function attributeText(v: AttributeValue): string {
  const text =
    v.utf8String ?? v.printableString ?? v.ia5String ?? v.bmpString ?? v.universalString ?? v.teletexString;
  if (text !== undefined) return text;
  return v.anyValue ? `#${toHex(new Uint8Array(v.anyValue))}` : "";
}
