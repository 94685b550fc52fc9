import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { utf8 } from "../../src/core/bytes/encoding.ts";
import { sha256Hex } from "../../src/core/bytes/hash.ts";
import { platformDeps } from "../../src/core/deps.ts";
import { dumpJson } from "../../src/core/json/dump-json.ts";
import { spkiSha256 } from "../../src/core/x509/fingerprint.ts";
import { parsePrivateKeyPem } from "../../src/core/x509/keys.ts";
import {
  approvedWorld,
  cloneWorld,
  put,
  resignSignedZip,
  runAsync,
  SITE,
  snapshot,
  snapshotDiff,
  type World,
} from "./helpers/harness.ts";
import {
  issueClientCertificate,
  requestZipWithKey,
  rsaKey,
  type TestKey,
  writeCaFolder,
} from "./helpers/key-material.ts";

// Key strength (docs/security.md "Key strength"): RSA keys under 2048 bits and public exponents
// other than 65537 are never signed, loaded as a CA key, trusted as a root or put into a kit.
// NVFlare signs them all (docs/interop.md). The weak keys are made here with node:crypto, as
// `openssl genrsa 512` or `-3` would make them.

const deps = platformDeps();
const POLICY = "the key-strength policy requires RSA keys of at least 2048 bits with public exponent 65537";
const found = (bits: number, exponent: number) =>
  `the key is RSA-${bits} with public exponent ${exponent}; ${POLICY}`;
const SUBJECT = { commonName: SITE, org: "hospital_alpha", certType: "client" as const };

const WEAK = [
  { label: "RSA-512", bits: 512, exponent: 65537 },
  { label: "RSA-768", bits: 768, exponent: 65537 },
  { label: "RSA-2048 with e=3", bits: 2048, exponent: 3 },
];

let world: World;
let fingerprint: string;
const keys = new Map<string, TestKey>();

before(async () => {
  world = await approvedWorld("flare-weak-");
  fingerprint = JSON.parse(readFileSync(join(world.work, "ca", "ca.json"), "utf8")).rootCA_fingerprint;
  for (const weak of WEAK) keys.set(weak.label, await rsaKey(weak.bits, weak.exponent));
  keys.set("RSA-1024", await rsaKey(1024));
});
after(() => world.cleanup());

const json = (args: string[], cwd = world.work, home = world.home) =>
  runAsync(["--format", "json", ...args], { cwd, home });

/** The tree without what the tests themselves put under work/weak/. */
function state(): Map<string, string> {
  return new Map([...snapshot(world.root)].filter(([key]) => !key.startsWith("work/weak")));
}

/** The failed check ids and the detail of `id` from a failed `cert inspect` JSON envelope. */
function inspectFailure(
  run: Awaited<ReturnType<typeof json>>,
  id: string,
): { failed: string[]; detail: string } {
  assert.equal(run.code, 4, run.stdout + run.stderr);
  assert.equal(run.json?.error_code, "INSPECT_CHECKS_FAILED");
  const data = run.json?.data as { failed: string[]; checks: { id: string; detail: string }[] };
  return { failed: data.failed, detail: data.checks.find((c) => c.id === id)?.detail ?? "" };
}

describe("cert approve and cert inspect refuse weak CSR keys", { concurrency: 2 }, () => {
  for (const weak of WEAK) {
    test(`a ${weak.label} CSR is not signed and nothing is written`, async () => {
      const dir = `weak/${weak.bits}-${weak.exponent}`;
      const original = new Uint8Array(readFileSync(join(world.work, SITE, `${SITE}.request.zip`)));
      const { zip, csrPem } = await requestZipWithKey(original, keys.get(weak.label) as TestKey, SUBJECT);
      put(join(world.work, dir, `${SITE}.request.zip`), zip);
      put(join(world.work, dir, `${SITE}.csr`), csrPem);
      const message = `Weak public key in CSR file ${SITE}.csr: ${found(weak.bits, weak.exponent)}.`;

      const before = state();
      const run = await json([
        "cert",
        "approve",
        `${dir}/${SITE}.request.zip`,
        "-c",
        "ca",
        "--profile",
        "project_profile.yaml",
      ]);
      assert.equal(run.code, 1, run.stdout + run.stderr);
      assert.equal(run.json?.error_code, "INVALID_CSR");
      assert.equal(run.json?.message, message);
      assert.equal(
        run.json?.hint,
        "Create a new request with 'nvflare cert request' (it makes an RSA-2048 key with exponent 65537).",
      );
      // Nothing beside the test's own inputs: no signed zip (it would land in work/weak/), no audit record.
      assert.deepEqual(snapshotDiff(before, state()), [], "cert approve wrote something");
      assert.deepEqual(
        [...snapshot(join(world.work, dir)).keys()].sort(),
        [`${SITE}.csr`, `${SITE}.request.zip`],
        "cert approve wrote beside the request zip",
      );

      // cert inspect runs the same check: the request zip and the CSR alone.
      const zipReport = inspectFailure(
        await json(["cert", "inspect", `${dir}/${SITE}.request.zip`]),
        "csr-key-strength",
      );
      assert.deepEqual(zipReport.failed, ["csr-key-strength"]);
      assert.equal(zipReport.detail, `INVALID_CSR: ${message}`);
      const csrReport = inspectFailure(
        await json(["cert", "inspect", `${dir}/${SITE}.csr`]),
        "csr-key-strength",
      );
      assert.deepEqual(csrReport.failed, ["csr-key-strength"]);
      assert.equal(csrReport.detail, `INVALID_CSR: ${message}`);
    });
  }

  test("the same rebuilt request with an RSA-2048, e=65537 key is signed (the refusals are about the key)", async () => {
    const original = new Uint8Array(readFileSync(join(world.work, SITE, `${SITE}.request.zip`)));
    const { zip } = await requestZipWithKey(original, await rsaKey(2048), SUBJECT);
    put(join(world.work, "weak/control", `${SITE}.request.zip`), zip);
    const run = await json([
      "cert",
      "approve",
      `weak/control/${SITE}.request.zip`,
      "-c",
      "ca",
      "--profile",
      "project_profile.yaml",
    ]);
    assert.equal(run.code, 0, run.stdout + run.stderr);
  });
});

describe("weak CA and certificate keys", { concurrency: 2 }, () => {
  test("cert approve does not sign with an RSA-1024 root key, and cert inspect of the CA folder says why", async () => {
    await writeCaFolder(
      join(world.work, "weak/ca-1024"),
      "hospital_federation",
      keys.get("RSA-1024") as TestKey,
    );
    const before = state();
    const run = await json([
      "cert",
      "approve",
      `${SITE}/${SITE}.request.zip`,
      "-c",
      "weak/ca-1024",
      "--profile",
      "project_profile.yaml",
      "--out",
      "signed-by-weak.signed.zip",
    ]);
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.equal(run.json?.error_code, "CA_LOAD_FAILED");
    assert.equal(
      run.json?.message,
      `Failed to load root CA material from weak/ca-1024. \u2014 rootCA.key is too weak to sign with: ${found(1024, 65537)}`,
    );
    assert.deepEqual(snapshotDiff(before, state()), [], "cert approve wrote something");
    const report = inspectFailure(await json(["cert", "inspect", "weak/ca-1024"]), "key-matches-certificate");
    assert.deepEqual(report.failed, ["key-matches-certificate"]);
    assert.match(
      report.detail,
      /^CA_LOAD_FAILED: .*rootCA\.key is too weak to sign with: the key is RSA-1024/,
    );
  });

  test("package refuses a CA-signed certificate for a weak participant key; nothing is written", async () => {
    // A participant made its key with openssl (RSA-768) and a CA that signs anything (NVFlare's)
    // certified it: request folder, CSR hashes and signed zip all agree, only the key is weak.
    const copy = cloneWorld(world, "flare-weak-leaf-");
    try {
      const weak = keys.get("RSA-768") as TestKey;
      const original = new Uint8Array(readFileSync(join(copy.work, SITE, `${SITE}.request.zip`)));
      const { csrPem } = await requestZipWithKey(original, weak, SUBJECT);
      const csrHash = await sha256Hex(deps, csrPem);
      const keyHash = await spkiSha256(weak.loaded.spkiDer, deps);
      const cert = await issueClientCertificate(
        join(copy.work, "ca"),
        SITE,
        "hospital_alpha",
        weak.loaded.spkiDer,
      );
      const local = JSON.parse(readFileSync(join(copy.work, SITE, "request.json"), "utf8"));
      put(
        join(copy.work, SITE, "request.json"),
        dumpJson({ ...local, csr_sha256: csrHash, public_key_sha256: keyHash }, { indent: 2 }),
      );
      put(join(copy.work, SITE, `${SITE}.key`), weak.pem);
      put(join(copy.work, SITE, `${SITE}.csr`), csrPem);
      const caKey = new Uint8Array(readFileSync(join(copy.work, "ca", "rootCA.key")));
      const zip = await resignSignedZip(
        new Uint8Array(readFileSync(join(copy.work, SITE, `${SITE}.signed.zip`))),
        caKey,
        (signed, members) => {
          members.set(`${SITE}.crt`, utf8(cert));
          const hashes = signed.hashes as Record<string, string>;
          hashes.csr_sha256 = csrHash;
          hashes.public_key_sha256 = keyHash;
          hashes.certificate_sha256 = createHashHex(cert);
        },
      );
      put(join(copy.work, "weak-leaf.signed.zip"), zip);
      const before = snapshot(copy.root);
      const run = await json(
        ["package", "weak-leaf.signed.zip", "--request-dir", SITE, "-w", "ws", "--fingerprint", fingerprint],
        copy.work,
        copy.home,
      );
      assert.equal(run.code, 4, run.stdout + run.stderr);
      assert.equal(run.json?.error_code, "INVALID_SIGNED_ZIP");
      assert.equal(
        run.json?.message,
        `Signed zip certificate ${SITE}.crt has a weak public key: ${found(768, 65537)}.`,
      );
      assert.deepEqual(snapshotDiff(before, snapshot(copy.root)), [], "package wrote something");
      const report = inspectFailure(
        await json(["cert", "inspect", "weak-leaf.signed.zip"], copy.work, copy.home),
        "certificate",
      );
      assert.deepEqual(report.failed, ["certificate"]);
      assert.equal(report.detail, `INVALID_SIGNED_ZIP: ${run.json?.message}`);
    } finally {
      copy.cleanup();
    }
  });

  test("package does not trust a signed zip whose root is RSA-1024, even with its fingerprint", async () => {
    const weakCa = join(world.work, "weak/rogue-1024");
    const { certPem, fingerprint: weakFingerprint } = await writeCaFolder(
      weakCa,
      "hospital_federation",
      await rsaKey(1024),
    );
    const localKeyHash = JSON.parse(
      readFileSync(join(world.work, SITE, "request.json"), "utf8"),
    ).public_key_sha256;
    const spki = await siteSpki();
    assert.equal(await spkiSha256(spki, deps), localKeyHash);
    const cert = await issueClientCertificate(weakCa, SITE, "hospital_alpha", spki);
    const zip = await resignSignedZip(
      new Uint8Array(readFileSync(join(world.work, SITE, `${SITE}.signed.zip`))),
      new Uint8Array(readFileSync(join(weakCa, "rootCA.key"))),
      (signed, members) => {
        members.set(`${SITE}.crt`, utf8(cert));
        members.set("rootCA.pem", utf8(certPem));
        const hashes = signed.hashes as Record<string, string>;
        hashes.certificate_sha256 = createHashHex(cert);
        hashes.rootca_sha256 = createHashHex(certPem);
        (signed.ca_info as Record<string, string>).rootCA_fingerprint = weakFingerprint;
      },
    );
    put(join(world.work, "weak/weak-root.signed.zip"), zip);
    const before = state();
    const run = await json([
      "package",
      "weak/weak-root.signed.zip",
      "--request-dir",
      SITE,
      "-w",
      "ws",
      "--fingerprint",
      weakFingerprint,
    ]);
    assert.equal(run.code, 4, run.stdout + run.stderr);
    assert.equal(run.json?.error_code, "INVALID_SIGNED_ZIP");
    assert.equal(run.json?.message, `Signed zip rootCA.pem has a weak public key: ${found(1024, 65537)}.`);
    assert.deepEqual(snapshotDiff(before, state()), [], "package wrote something");
    const report = inspectFailure(await json(["cert", "inspect", "weak/weak-root.signed.zip"]), "rootca");
    assert.ok(report.failed.includes("rootca"), report.failed.join(", "));
    assert.equal(report.detail, `INVALID_SIGNED_ZIP: ${run.json?.message}`);
  });
});

/** Lowercase hex SHA-256, as signed.json `hashes` hold it. */
function createHashHex(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** hospital-a's own public key (from its key file), so only the root differs in the rogue zip. */
async function siteSpki(): Promise<Uint8Array> {
  return (await parsePrivateKeyPem(readFileSync(join(world.work, SITE, `${SITE}.key`)), deps)).spkiDer;
}
