import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { fixedDeps } from "../../../test/helpers/deps.ts";
import { readFixture } from "../../../test/helpers/fixtures.ts";
import { fromUtf8 } from "../bytes/encoding.ts";
import { parseCertificate } from "../x509/certificate.ts";
import { parsePrivateKeyPem } from "../x509/keys.ts";
import { HAVE_OPENSSL, inTempDir, openssl } from "../x509/x509.test-helper.ts";
import { parseCrl } from "./parse-crl.ts";
import { verifyCrl } from "./verify-crl.ts";
import { crlReasonCode, writeCrl } from "./write-crl.ts";

const caCert = fromUtf8(readFixture("hospital/work/ca", "rootCA.pem"));
const root = parseCertificate(caCert);
const thisUpdate = new Date("2026-11-28T12:00:00Z");
const nextUpdate = new Date("2026-12-28T12:00:00Z");
const deps = fixedDeps(new Date("2026-11-28T12:30:00Z"));
const contents = {
  crlNumber: 3,
  thisUpdate,
  nextUpdate,
  revoked: [
    { serial: "0x51", revokedAt: thisUpdate, reason: "keyCompromise" },
    { serial: "0x80ff00aa", revokedAt: new Date("2026-11-27T16:00:00Z"), reason: "cessationOfOperation" },
  ],
};

async function written(c = contents) {
  const key = await parsePrivateKeyPem(readFixture("hospital/work/ca", "rootCA.key"), deps);
  return writeCrl(c, root, key.privateKey, deps);
}

describe("writeCrl", () => {
  test("writes a v2 CRL our reader parses field for field and our verifier accepts", async () => {
    const crl = parseCrl((await written()).pem);
    assert.equal(crl.version, 2);
    assert.equal(crl.signatureAlgorithm, "1.2.840.113549.1.1.11");
    assert.deepEqual(crl.issuerDer, root.subjectDer);
    assert.equal(crl.crlNumber, 3n);
    assert.deepEqual(crl.thisUpdate, thisUpdate);
    assert.deepEqual(crl.nextUpdate, nextUpdate);
    assert.deepEqual(
      crl.revoked.map((r) => [r.serialHex, r.revocationDate.toISOString(), r.reason]),
      [
        ["0x51", "2026-11-28T12:00:00.000Z", "keyCompromise"],
        ["0x80ff00aa", "2026-11-27T16:00:00.000Z", "cessationOfOperation"],
      ],
    );
    assert.deepEqual(await verifyCrl(crl, root, { label: "crl.pem", rootLabel: "rootCA.pem" }, deps), {
      warnings: [],
      expired: false,
    });
  });

  test("leaves revokedCertificates out when nothing is revoked", async () => {
    const crl = parseCrl((await written({ ...contents, revoked: [] })).der);
    assert.deepEqual(crl.revoked, []);
    assert.equal(crl.crlNumber, 3n);
  });

  test("refuses an unknown reason", async () => {
    await assert.rejects(
      written({ ...contents, revoked: [{ serial: "0x1", revokedAt: thisUpdate, reason: "bored" }] }),
      /unknown revocation reason 'bored'/,
    );
    assert.equal(crlReasonCode("superseded"), 4);
  });

  test("openssl crl -verify accepts it and reads the same serials, reasons and number", {
    skip: !HAVE_OPENSSL,
  }, async () => {
    const { pem } = await written();
    await inTempDir({ "crl.pem": pem, "rootCA.pem": caCert }, (dir) => {
      const run = openssl(["crl", "-in", "crl.pem", "-CAfile", "rootCA.pem", "-verify", "-noout", "-text"], {
        cwd: dir,
      });
      assert.equal(run.status, 0, run.stderr);
      assert.match(run.stderr + run.stdout, /verify OK/);
      assert.match(run.stdout, /Version 2 \(0x1\)/);
      assert.match(run.stdout, /X509v3 CRL Number:\s+3\b/);
      assert.match(
        run.stdout,
        /Serial Number: 51\s+Revocation Date: Nov 28 12:00:00 2026 GMT\s+CRL entry extensions:\s+X509v3 CRL Reason Code:\s+Key Compromise/,
      );
      assert.match(run.stdout, /Serial Number: 80FF00AA[\s\S]*?Cessation Of Operation/);
      assert.match(run.stdout, /Next Update: Dec 28 12:00:00 2026 GMT/);
      assert.match(
        run.stdout,
        new RegExp(
          `Authority Key Identifier:\\s+(keyid:)?${root.skiHex!.toUpperCase().match(/../g)!.join(":")}`,
        ),
      );
    });
  });
});

test("every reason cert revoke accepts has a CRLReason code", async () => {
  const { REVOCATION_REASONS } = await import("../ledger/reasons.ts");
  for (const r of REVOCATION_REASONS) assert.notEqual(crlReasonCode(r), undefined, r);
  assert.equal(REVOCATION_REASONS.includes("removeFromCRL"), false);
});
