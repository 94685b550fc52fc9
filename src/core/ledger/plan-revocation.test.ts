import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { fixedDeps } from "../../../test/helpers/deps.ts";
import { readFixture } from "../../../test/helpers/fixtures.ts";
import { parseCrl } from "../crl/parse-crl.ts";
import { parseCertificate } from "../x509/certificate.ts";
import { parsePrivateKeyPem } from "../x509/keys.ts";
import { appendEntries, EMPTY_TIP } from "./append.ts";
import type { IssueFields } from "./entry.ts";
import { normalizeSerial, planRevocation } from "./plan-revocation.ts";
import { readLedger } from "./verify-ledger.ts";

const deps = fixedDeps(new Date("2026-11-28T12:00:00Z"));
const root = parseCertificate(readFixture("hospital/work/ca", "rootCA.pem"));
let signer: { root: typeof root; privateKey: CryptoKey };

const issue = (name: string, serial: string): IssueFields => ({
  type: "issue",
  time: "2026-11-28T10:00:00Z",
  serial,
  name,
  kind: "site",
  cert_type: "client",
  cert_role: null,
  org: "o",
  project: "hospital_federation",
  spki_sha256: "a".repeat(64),
  request_id: "b".repeat(32),
  not_before: "2026-11-28T10:00:00Z",
  not_after: "2029-11-27T10:00:00Z",
  certificate_sha256: "c".repeat(64),
  signed_zip_sha256: "d".repeat(64),
  deploy_version: "00",
});

async function ledgerOf(fields: IssueFields[]) {
  const a = await appendEntries(new Uint8Array(), EMPTY_TIP, fields, signer.privateKey, deps);
  return { bytes: a.ledger, state: await readLedger(a.ledger, a.head, root.spkiDer, deps) };
}

before(async () => {
  const key = await parsePrivateKeyPem(readFixture("hospital/work/ca", "rootCA.key"), deps);
  signer = { root, privateKey: key.privateKey };
});

describe("planRevocation", () => {
  test("by name takes every working certificate of it; the next CRL keeps them and counts up", async () => {
    const { bytes, state } = await ledgerOf([issue("a", "0x1"), issue("b", "0x2"), issue("a", "0x3")]);
    const request = { caDir: "ca", name: "a", reason: "keyCompromise", crlDays: 7 };
    const first = await planRevocation(bytes, state, request, signer, deps);
    assert.deepEqual(
      first.targets.map((t) => t.serial),
      ["0x1", "0x3"],
    );
    assert.equal(first.crlNumber, 1);
    const crl = parseCrl(first.crl.der);
    assert.deepEqual(
      crl.revoked.map((r) => [r.serialHex, r.reason]),
      [
        ["0x1", "keyCompromise"],
        ["0x3", "keyCompromise"],
      ],
    );
    assert.equal(crl.nextUpdate?.toISOString(), "2026-12-05T12:00:00.000Z");
    const after = await readLedger(first.append.ledger, first.append.head, root.spkiDer, deps);
    assert.equal(after.problem, undefined);
    const second = await planRevocation(
      first.append.ledger,
      after,
      { caDir: "ca", serial: "0X02", reason: "superseded", crlDays: 7 },
      signer,
      deps,
    );
    assert.equal(second.crlNumber, 2);
    assert.deepEqual(
      parseCrl(second.crl.der).revoked.map((r) => r.serialHex),
      ["0x1", "0x3", "0x2"],
    );
    await assert.rejects(planRevocation(second.append.ledger, after, request, signer, deps), {
      code: "NOTHING_TO_REVOKE",
    });
  });

  test("refuses what cannot be revoked, and normalises serials", async () => {
    const { bytes, state } = await ledgerOf([issue("a", "0x1")]);
    const plan = (r: Partial<Parameters<typeof planRevocation>[2]>) =>
      planRevocation(bytes, state, { caDir: "ca", reason: "unspecified", crlDays: 1, ...r }, signer, deps);
    await assert.rejects(plan({ name: "nobody" }), {
      code: "NOTHING_TO_REVOKE",
      message: /has no certificate for 'nobody'/,
    });
    await assert.rejects(plan({}), { code: "INVALID_ARGS" });
    await assert.rejects(plan({ name: "a", serial: "0x1" }), { code: "INVALID_ARGS" });
    await assert.rejects(plan({ name: "a", reason: "removeFromCRL" }), { code: "INVALID_ARGS" });
    assert.equal((await plan({ serial: "ff" })).targets[0]?.in_ledger, false);
    assert.equal(normalizeSerial(" 0x00:0A:bc "), "0xabc");
    assert.throws(() => normalizeSerial("xyz"), { code: "INVALID_ARGS" });
  });
});
