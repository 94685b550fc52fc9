/**
 * The issuance ledger's records (docs/security.md, "The issuance ledger"). `ledger.jsonl` in the
 * CA folder holds one entry per line; each entry carries its sequence number, the SHA-256 of
 * the previous line and the root key's signature over the rest of the entry. Entries say what
 * was signed or revoked, never any key material.
 */

/** The ledger file, relative to the CA folder. */
export const LEDGER_FILE = "ledger.jsonl";

/** The signed head record (last seq and hash), relative to the CA folder; it makes truncation visible. */
export const LEDGER_HEAD_FILE = "ledger.head.json";

/** `prev` of the first entry: 64 zeros. */
export const GENESIS_HASH = "0".repeat(64);

/** What one `cert approve` issued. */
export interface IssueFields {
  type: "issue";
  /** The approval time (the injected clock), `YYYY-MM-DDTHH:MM:SSZ`. */
  time: string;
  /** `0x` + lowercase hex, as signed.json writes it. */
  serial: string;
  name: string;
  /** `site` or `user`. */
  kind: string;
  cert_type: string;
  cert_role: string | null;
  org: string;
  project: string;
  /** SHA-256 (hex) of the certificate's SubjectPublicKeyInfo DER. */
  spki_sha256: string;
  request_id: string;
  not_before: string;
  not_after: string;
  certificate_sha256: string;
  signed_zip_sha256: string;
  deploy_version: string;
}

/** What one `cert revoke` revoked, and the CRL written with it. */
export interface RevokeFields {
  type: "revoke";
  time: string;
  /** Serials revoked by this entry, `0x` + lowercase hex. */
  serials: string[];
  /** A CRLReason name (RFC 5280 §5.3.1). */
  reason: string;
  /** The cRLNumber of the CRL written in the same commit. */
  crl_number: number;
  /** SHA-256 (hex) of that CRL's DER. */
  crl_sha256: string;
}

/** The fields an entry's author chooses; the chain adds `seq`, `prev` and `sig`. */
export type EntryFields = IssueFields | RevokeFields;

/** One ledger entry as stored. */
export type LedgerEntry = EntryFields & {
  /** 1 for the first entry, then +1 per line. */
  seq: number;
  /** SHA-256 (hex) of the previous line's bytes (without its newline); {@link GENESIS_HASH} for seq 1. */
  prev: string;
  /** Base64 RSASSA-PKCS1-v1_5 / SHA-256 signature of the root key over {@link signedBytesOf}. */
  sig: string;
};

/** The signed head: the last entry's seq and line hash, so a shortened ledger is seen. */
export interface LedgerHead {
  type: "head";
  seq: number;
  hash: string;
  time: string;
  sig: string;
}

/**
 * The canonical text of a JSON value: object keys sorted by code unit, no whitespace, every
 * character outside printable ASCII escaped as `\uXXXX`. One value has exactly one text, so
 * a line that is not canonical was edited by hand.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === "boolean") return JSON.stringify(value);
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value)) throw new TypeError("ledger numbers are safe integers");
    return String(value);
  }
  if (typeof value === "string") {
    return JSON.stringify(value).replace(
      /[^\x20-\x7e]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
    );
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (typeof value === "object") {
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record)
      .filter((k) => record[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${canonicalJson(k)}:${canonicalJson(record[k])}`).join(",")}}`;
  }
  throw new TypeError(`a ledger value cannot be ${typeof value}`);
}

/** The bytes a signature covers: the canonical JSON of the record without its `sig`. */
export function signedTextOf(record: Record<string, unknown>): string {
  const { sig: _sig, ...rest } = record;
  return canonicalJson(rest);
}
