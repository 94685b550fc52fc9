import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { filterCertificates, issuedCertificates, revocableByName } from "./cert-status.ts";
import type { LedgerEntry } from "./entry.ts";

const base = { prev: "0".repeat(64), sig: "x", kind: "site", cert_role: null, org: "o", project: "p" };
function issue(
  seq: number,
  name: string,
  serial: string,
  notAfter: string,
  certType = "client",
): LedgerEntry {
  return {
    ...base,
    seq,
    type: "issue",
    time: "2026-01-01T00:00:00Z",
    serial,
    name,
    cert_type: certType,
    spki_sha256: "a".repeat(64),
    request_id: "r",
    not_before: "2026-01-01T00:00:00Z",
    not_after: notAfter,
    certificate_sha256: "c".repeat(64),
    signed_zip_sha256: "d".repeat(64),
    deploy_version: "00",
  };
}
const entries: LedgerEntry[] = [
  issue(1, "site-a", "0x1", "2027-01-01T00:00:00Z"),
  issue(2, "site-b", "0x2", "2026-06-01T00:00:00Z"),
  issue(3, "site-a", "0x3", "2029-01-01T00:00:00Z"),
  issue(4, "site-c", "0x4", "2026-12-20T00:00:00Z"),
  issue(5, "server1", "0x5", "2029-01-01T00:00:00Z", "server"),
  {
    ...base,
    seq: 6,
    type: "revoke",
    time: "2026-12-02T00:00:00Z",
    serials: ["0x5"],
    reason: "keyCompromise",
    crl_number: 1,
    crl_sha256: "e".repeat(64),
  },
];
const now = new Date("2026-12-10T00:00:00Z");

describe("issuedCertificates", () => {
  test("each certificate gets revoked, expired, superseded or valid, and its days left", () => {
    const certs = issuedCertificates(entries, now);
    assert.deepEqual(
      certs.map((c) => [c.serial, c.status, c.days_left, c.superseded_by, c.revocation_reason]),
      [
        ["0x1", "superseded", 22, "0x3", null],
        ["0x2", "expired", -192, null, null],
        ["0x3", "valid", 753, null, null],
        ["0x4", "valid", 10, null, null],
        ["0x5", "revoked", 753, null, "keyCompromise"],
      ],
    );
  });

  test("filters by name, type, status and expiry window", () => {
    const certs = issuedCertificates(entries, now);
    const serials = (f: Parameters<typeof filterCertificates>[1]) =>
      filterCertificates(certs, f, now).map((c) => c.serial);
    assert.deepEqual(serials({ name: "site-a" }), ["0x1", "0x3"]);
    assert.deepEqual(serials({ type: "server" }), ["0x5"]);
    assert.deepEqual(serials({ status: "valid" }), ["0x3", "0x4"]);
    assert.deepEqual(serials({ expiringDays: 30 }), ["0x1", "0x4"]);
    assert.deepEqual(serials({ expiringDays: 5 }), []);
  });

  test("revoking by name takes every certificate of the name that still works", () => {
    const certs = issuedCertificates(entries, now);
    assert.deepEqual(
      revocableByName(certs, "site-a").map((c) => c.serial),
      ["0x1", "0x3"],
    );
    assert.deepEqual(revocableByName(certs, "site-b"), []);
    assert.deepEqual(revocableByName(certs, "server1"), []);
  });
});
