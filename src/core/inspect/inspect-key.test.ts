import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { fixedDeps } from "../../../test/helpers/deps.ts";
import { readFixture } from "../../../test/helpers/fixtures.ts";
import { utf8 } from "../bytes/encoding.ts";
import { inspectKey } from "./inspect-key.ts";

const deps = fixedDeps();

describe("inspectKey", () => {
  test("says only that it is a key, its type and its public-key hash", async () => {
    const report = await inspectKey(
      readFixture("hospital/work/hospital-a/hospital-a.key"),
      { label: "hospital-a.key" },
      deps,
    );
    assert.deepEqual(report.facts, {
      key: "private key (contents never shown)",
      key_type: "RSA 2048-bit, PKCS#1 (RSA PRIVATE KEY), unencrypted",
      // The same hash as request.json's public_key_sha256 for hospital-a.
      public_key_sha256: "4080542e13402b23759d9da32fca5c90dd58623ab8b13459a81acea546165cfe",
    });
    assert.deepEqual(report.checks, [
      { id: "key-loads", ok: true, detail: "the key loads as an unencrypted RSA private key" },
    ]);
  });

  test("fails an encrypted key without ever printing it", async () => {
    const pem = utf8(
      "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIBAA==\n-----END ENCRYPTED PRIVATE KEY-----\n",
    );
    const report = await inspectKey(pem, { label: "site.key" }, deps);
    assert.equal(report.facts.key_type, "encrypted PKCS#8 (ENCRYPTED PRIVATE KEY)");
    assert.equal(
      report.checks[0]?.detail,
      "KEY_INVALID: Failed to load private key 'site.key': the private key is encrypted; an unencrypted key is required.",
    );
    assert.ok(!JSON.stringify(report).includes("MIIBAA"));
  });
});
