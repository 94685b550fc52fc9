import assert from "node:assert/strict";
import { existsSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, it } from "node:test";
import { fixturePath, readFixture } from "../../../test/helpers/fixtures.ts";
import { parseCertificate } from "./certificate.ts";
import { parseCsr } from "./csr.ts";
import { fingerprintSha256, normalizeFingerprint, spkiSha256 } from "./fingerprint.ts";
import { hospital, testDeps } from "./x509.test-helper.ts";

const deps = testDeps();
const HOSPITAL_ROOT =
  "SHA256:64:9D:1A:1E:7B:D3:0E:C7:B2:07:53:2D:41:D5:CE:AD:E3:B4:8D:74:96:A2:E8:DC:68:C7:64:FE:FC:6B:7C:D5";
const HEX = HOSPITAL_ROOT.slice(7).replaceAll(":", "");
const fixtureFiles = (readdirSync(fixturePath(), { recursive: true }) as string[]).sort();
const json = (path: string) =>
  JSON.parse(new TextDecoder().decode(readFixture(path))) as Record<string, unknown>;

describe("fingerprintSha256", () => {
  it("gives the hospital root the fingerprint in CATALOGUE.md", async () => {
    const root = parseCertificate(hospital("ca", "rootCA.pem"));
    assert.equal(await fingerprintSha256(root.der, deps), HOSPITAL_ROOT);
  });

  const caJsons = fixtureFiles.filter(
    (p) => p.endsWith("ca.json") && existsSync(fixturePath(dirname(p), "rootCA.pem")),
  );
  for (const path of caJsons) {
    it(`matches rootCA_fingerprint of ${path}`, async () => {
      const root = parseCertificate(readFixture(dirname(path), "rootCA.pem"));
      assert.equal(await fingerprintSha256(root.der, deps), json(path).rootCA_fingerprint);
    });
  }
});

describe("normalizeFingerprint", () => {
  const pairs = HOSPITAL_ROOT.slice(7);
  const ok: [string, unknown][] = [
    ["canonical", HOSPITAL_ROOT],
    ["openssl output", `sha256 Fingerprint=${pairs}`],
    ["openssl output, other case and spacing", `  SHA256  fingerprint = ${pairs.toLowerCase()}\n`],
    ["SHA256= prefix", `SHA256=${pairs}`],
    ["lower-case sha256: prefix", `sha256:${pairs.toLowerCase()}`],
    ["bare colon pairs", pairs],
    ["64 plain hex digits", HEX.toLowerCase()],
    ["prefix then plain hex", `SHA256:${HEX}`],
  ];
  for (const [label, input] of ok) {
    it(`accepts ${label}`, () => assert.equal(normalizeFingerprint(input), HOSPITAL_ROOT));
  }

  const bad: [string, unknown][] = [
    ["a number", 42],
    ["undefined", undefined],
    ["an empty string", ""],
    ["31 pairs", pairs.slice(3)],
    ["33 pairs", `${pairs}:00`],
    ["63 hex digits", HEX.slice(1)],
    ["a non-hex digit", `G${HEX.slice(1)}`],
    ["single-digit pairs", pairs.replace("64:", "6:4")],
    ["mixed colon and plain hex", `${pairs.slice(0, 6)}${HEX.slice(4)}`],
    ["a SHA-1 prefix", `SHA1:${pairs}`],
    ["hex with spaces", HEX.replace(/(..)/g, "$1 ").trim()],
  ];
  for (const [label, input] of bad) {
    it(`rejects ${label}`, () => assert.equal(normalizeFingerprint(input), undefined));
  }
});

describe("spkiSha256", () => {
  const requests = fixtureFiles.filter((p) => p.endsWith("request.json"));

  it("finds the reference requests", () => assert.ok(requests.length >= 30, `${requests.length}`));

  for (const path of requests) {
    const meta = json(path);
    const csrPath = join(dirname(path), `${String(meta.name)}.csr`);
    it(`equals public_key_sha256 of ${path}`, async () => {
      const csr = await parseCsr(readFixture(csrPath), deps);
      assert.equal(await spkiSha256(csr.spkiDer, deps), meta.public_key_sha256);
    });
  }

  it("gives the certificate the same hash as its CSR", async () => {
    const cert = parseCertificate(hospital("hospital-a", "hospital-a.crt"));
    assert.equal(
      await spkiSha256(cert.spkiDer, deps),
      json("hospital/work/hospital-a/request.json").public_key_sha256,
    );
  });
});
