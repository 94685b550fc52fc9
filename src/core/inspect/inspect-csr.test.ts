import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { fixedDeps } from "../../../test/helpers/deps.ts";
import { readFixture } from "../../../test/helpers/fixtures.ts";
import { fromUtf8, utf8 } from "../bytes/encoding.ts";
import { inspectCsr } from "./inspect-csr.ts";

const deps = fixedDeps();

describe("inspectCsr", () => {
  test("states a reference CSR's subject, type and hashes and passes its checks", async () => {
    const report = await inspectCsr(
      readFixture("hospital/work/alice@hospital-alpha.org/alice@hospital-alpha.org.csr"),
      { label: "alice.csr" },
      deps,
    );
    assert.deepEqual(
      report.checks.map((c) => [c.id, c.ok]),
      [
        ["csr-signature", true],
        ["csr-key-strength", true],
        ["csr-subject", true],
      ],
    );
    assert.equal(report.facts.name, "alice@hospital-alpha.org");
    assert.equal(report.facts.type, "lead");
    assert.equal(report.facts.org, "hospital_alpha");
    assert.match(String(report.facts.csr_sha256), /^[0-9a-f]{64}$/);
  });

  test("names a CSR whose signature no longer verifies", async () => {
    const pem = fromUtf8(readFixture("hospital/work/hospital-a/hospital-a.csr"));
    const lines = pem.split("\n");
    // Flip one base64 character inside the signature (the last full body line).
    const i = lines.length - 3;
    const line = lines[i] as string;
    lines[i] = `${line.slice(0, 10)}${line[10] === "A" ? "B" : "A"}${line.slice(11)}`;
    const report = await inspectCsr(utf8(lines.join("\n")), { label: "hospital-a.csr" }, deps);
    assert.deepEqual(
      report.checks.map((c) => [c.id, c.ok, c.skipped ?? false]),
      [
        ["csr-signature", false, false],
        ["csr-key-strength", false, true],
        ["csr-subject", false, true],
      ],
    );
    assert.equal(
      report.checks[0]?.detail,
      "INVALID_CSR: Invalid or corrupt CSR file: hospital-a.csr. \u2014 the CSR signature does not verify",
    );
  });
});
