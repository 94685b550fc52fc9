import type { IssueFields, LedgerEntry } from "./entry.ts";

/** What became of a certificate the CA issued. */
export type CertStatus = "valid" | "expired" | "revoked" | "superseded";

export const CERT_STATUSES: readonly CertStatus[] = ["valid", "expired", "revoked", "superseded"];

/** One issued certificate as `cert list` shows it. */
export interface IssuedCert {
  seq: number;
  serial: string;
  name: string;
  kind: string;
  cert_type: string;
  cert_role: string | null;
  org: string;
  not_before: string;
  not_after: string;
  issued_at: string;
  request_id: string;
  status: CertStatus;
  /** Whole days until notAfter (negative once expired). */
  days_left: number;
  revoked_at: string | null;
  revocation_reason: string | null;
  /** Serial of the newer certificate of the same identity, when superseded. */
  superseded_by: string | null;
}

const DAY_MS = 86_400_000;

/** An identity: the same name of the same kind (site or user) is the same participant. */
export function identityOf(entry: Pick<IssueFields, "name" | "kind">): string {
  return `${entry.kind}\u0000${entry.name}`;
}

/**
 * Every issued certificate with its status at `now`. Precedence: revoked (listed by a
 * revocation entry), then expired (notAfter passed), then superseded (a later issuance for
 * the same identity), else valid. A superseded certificate still works until it expires or
 * is revoked; the status says it is no longer the current one.
 */
export function issuedCertificates(entries: readonly LedgerEntry[], now: Date): IssuedCert[] {
  const revoked = revokedSerials(entries);
  const issues = entries.filter((e): e is LedgerEntry & IssueFields => e.type === "issue");
  const latest = new Map<string, string>();
  for (const e of issues) latest.set(identityOf(e), e.serial);
  return issues.map((e) => {
    const notAfter = Date.parse(e.not_after);
    const revocation = revoked.get(e.serial);
    const newest = latest.get(identityOf(e));
    const status: CertStatus = revocation
      ? "revoked"
      : notAfter < now.getTime()
        ? "expired"
        : newest !== e.serial
          ? "superseded"
          : "valid";
    return {
      seq: e.seq,
      serial: e.serial,
      name: e.name,
      kind: e.kind,
      cert_type: e.cert_type,
      cert_role: e.cert_role,
      org: e.org,
      not_before: e.not_before,
      not_after: e.not_after,
      issued_at: e.time,
      request_id: e.request_id,
      status,
      days_left: Math.floor((notAfter - now.getTime()) / DAY_MS),
      revoked_at: revocation?.time ?? null,
      revocation_reason: revocation?.reason ?? null,
      superseded_by: newest !== e.serial ? (newest ?? null) : null,
    };
  });
}

/** Filters of `cert list`. */
export interface CertFilter {
  name?: string | undefined;
  type?: string | undefined;
  status?: CertStatus | undefined;
  /** Only certificates that are not revoked and expire within this many days (already expired ones excluded). */
  expiringDays?: number | undefined;
}

export function filterCertificates(
  certs: readonly IssuedCert[],
  filter: CertFilter,
  now: Date,
): IssuedCert[] {
  return certs.filter((c) => {
    if (filter.name !== undefined && c.name !== filter.name) return false;
    if (filter.type !== undefined && c.cert_type !== filter.type) return false;
    if (filter.status !== undefined && c.status !== filter.status) return false;
    if (filter.expiringDays !== undefined) {
      const left = Date.parse(c.not_after) - now.getTime();
      if (c.status === "revoked" || left < 0 || left > filter.expiringDays * DAY_MS) return false;
    }
    return true;
  });
}

/** The serials a revocation by name would revoke: every certificate of that name not revoked or expired. */
export function revocableByName(certs: readonly IssuedCert[], name: string): IssuedCert[] {
  return certs.filter((c) => c.name === name && (c.status === "valid" || c.status === "superseded"));
}

/** Every serial some revocation entry lists, in ledger order. */
export function revokedSerials(
  entries: readonly LedgerEntry[],
): Map<string, { time: string; reason: string }> {
  const out = new Map<string, { time: string; reason: string }>();
  for (const e of entries)
    if (e.type === "revoke")
      for (const s of e.serials) if (!out.has(s)) out.set(s, { time: e.time, reason: e.reason });
  return out;
}
