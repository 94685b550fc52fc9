import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { appendFileSync, lstatSync, readFileSync, symlinkSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { utf8 } from "../../src/core/bytes/encoding.ts";
import { initCa } from "../../src/node/init-ca.ts";
import {
  approvedWorld,
  type Copy,
  cloneWorld,
  put,
  resignSignedZip,
  runAsync,
  SITE,
  snapshot,
  snapshotDiff,
  type World,
  zipMembers,
} from "./helpers/harness.ts";

// Files that become trust anchors of a kit (startup-kits.md §3): `rootCA.pem` and the
// participant's `custom_ca_cert`. TLS loads each as a bundle and trusts every certificate in it,
// and the kit copies them as 0644 files, so each must be exactly one (CA) certificate and
// nothing else: a second certificate is a root the out-of-band fingerprint never covered, a key
// block would be published.

const ONLY_ONE = "exactly one CERTIFICATE block and nothing else is allowed";
const KIT = `ws/hospital_federation/prod_00/${SITE}`;

let world: World;
let fingerprint: string;
/** The world's root certificate and another CA's (made by `cert init` in other-ca/). */
let rootPem: string;
let otherPem: string;
let keyPem: string;
let leafPem: string;

before(async () => {
  world = await approvedWorld("flare-anchor-");
  await initCa({ profile: "project_profile.yaml", outputDir: "other-ca" }, world.env);
  fingerprint = JSON.parse(readFileSync(join(world.work, "ca", "ca.json"), "utf8")).rootCA_fingerprint;
  rootPem = readFileSync(join(world.work, "ca", "rootCA.pem"), "utf8");
  otherPem = readFileSync(join(world.work, "other-ca", "rootCA.pem"), "utf8");
  keyPem = readFileSync(join(world.work, SITE, `${SITE}.key`), "utf8");
  leafPem = new TextDecoder().decode(
    zipMembers(join(world.work, SITE, `${SITE}.signed.zip`)).get(`${SITE}.crt`) as Uint8Array,
  );
});
after(() => world.cleanup());

const json = (copy: Copy, args: string[]) =>
  runAsync(["--format", "json", ...args], { cwd: copy.work, home: copy.home });
const packageArgs = (zip = `${SITE}/${SITE}.signed.zip`) => [
  "package",
  zip,
  "--request-dir",
  SITE,
  "-w",
  "ws",
  "--fingerprint",
  fingerprint,
];

/** Runs `test` in a fresh copy of the world, which is removed afterwards. */
async function inCopy(test: (copy: Copy) => Promise<void>): Promise<void> {
  const copy = cloneWorld(world, "flare-anchor-copy-");
  try {
    await test(copy);
  } finally {
    copy.cleanup();
  }
}

/** The failed ids and the detail of check `id` of a failed `cert inspect` envelope. */
function failure(run: Awaited<ReturnType<typeof json>>, id: string): { failed: string[]; detail: string } {
  assert.equal(run.code, 4, run.stdout + run.stderr);
  const data = run.json?.data as { failed: string[]; checks: { id: string; detail: string }[] };
  return { failed: data.failed, detail: data.checks.find((c) => c.id === id)?.detail ?? "" };
}

describe("custom_ca_cert must be exactly one CA certificate", { concurrency: 2 }, () => {
  const cases: { name: string; file: string; content: () => string | undefined; reason: string }[] = [
    {
      name: "the participant's own private key",
      file: `${SITE}.key`,
      content: () => undefined,
      reason: `the file holds 1 PEM block (RSA PRIVATE KEY); ${ONLY_ONE}`,
    },
    {
      name: "a CA certificate with a private key appended",
      file: "corp-ca.pem",
      content: () => `${otherPem}${keyPem}`,
      reason: `the file holds 2 PEM blocks (CERTIFICATE, RSA PRIVATE KEY); ${ONLY_ONE}`,
    },
    {
      name: "two CA certificates",
      file: "corp-ca.pem",
      content: () => `${otherPem}${rootPem}`,
      reason: `the file holds 2 PEM blocks (CERTIFICATE, CERTIFICATE); ${ONLY_ONE}`,
    },
    {
      name: "a participant (non-CA) certificate",
      file: "corp-ca.pem",
      content: () => leafPem,
      reason: "the certificate is not a CA certificate (BasicConstraints CA:FALSE)",
    },
    {
      name: "a CA certificate with a truncated block after it",
      file: "corp-ca.pem",
      content: () => `${otherPem}-----BEGIN CERTIFICATE-----\nMIIB\n`,
      reason: `the file holds text outside its CERTIFICATE block; ${ONLY_ONE}`,
    },
  ];
  for (const c of cases) {
    test(`package refuses ${c.name} and writes nothing`, () =>
      inCopy(async (copy) => {
        const content = c.content();
        if (content !== undefined) put(join(copy.work, SITE, c.file), content);
        const site = readFileSync(join(copy.work, SITE, "site.yaml"), "utf8");
        writeFileSync(
          join(copy.work, SITE, "site.yaml"),
          site.replace("  org: hospital_alpha\n", `  org: hospital_alpha\n  custom_ca_cert: ${c.file}\n`),
        );
        const before = snapshot(copy.root);
        const run = await json(copy, packageArgs());
        assert.equal(run.code, 4, run.stdout + run.stderr);
        assert.equal(run.json?.error_code, "LOCAL_SITE_INVALID");
        assert.equal(
          run.json?.message,
          `Invalid local participant definition: custom_ca_cert ${c.file} must be exactly one CA certificate: ${c.reason}`,
        );
        assert.doesNotMatch(run.stdout + run.stderr, /PRIVATE KEY-----\n[A-Za-z0-9+/]/);
        assert.deepEqual(snapshotDiff(before, snapshot(copy.root)), [], "package wrote something");
      }));
  }

  test("a genuine CA certificate is copied to startup/customRootCA.pem (0644)", () =>
    inCopy(async (copy) => {
      put(join(copy.work, SITE, "corp-ca.pem"), otherPem);
      const site = readFileSync(join(copy.work, SITE, "site.yaml"), "utf8");
      writeFileSync(
        join(copy.work, SITE, "site.yaml"),
        site.replace("  org: hospital_alpha\n", "  org: hospital_alpha\n  custom_ca_cert: corp-ca.pem\n"),
      );
      const run = await json(copy, packageArgs());
      assert.equal(run.code, 0, run.stdout + run.stderr);
      const copied = join(copy.work, KIT, "startup", "customRootCA.pem");
      assert.equal(readFileSync(copied, "utf8"), otherPem);
      assert.equal(lstatSync(copied).mode & 0o777, 0o644);
    }));
});

describe("a rootCA.pem holding anything but one certificate is refused everywhere it is read", {
  concurrency: 2,
}, () => {
  test("in a signed zip (re-signed by the real CA, fingerprint of the first certificate): package and inspect", () =>
    inCopy(async (copy) => {
      const twoRoots = `${rootPem}${otherPem}`;
      const zip = await resignSignedZip(
        new Uint8Array(readFileSync(join(copy.work, SITE, `${SITE}.signed.zip`))),
        new Uint8Array(readFileSync(join(copy.work, "ca", "rootCA.key"))),
        (signed, members) => {
          members.set("rootCA.pem", utf8(twoRoots));
          (signed.hashes as Record<string, string>).rootca_sha256 = createHash("sha256")
            .update(twoRoots)
            .digest("hex");
        },
      );
      put(join(copy.work, "in", `${SITE}.signed.zip`), zip);
      const before = snapshot(copy.root);
      const run = await json(copy, packageArgs(`in/${SITE}.signed.zip`));
      assert.equal(run.code, 4, run.stdout + run.stderr);
      assert.equal(run.json?.error_code, "INVALID_SIGNED_ZIP");
      const message = `Signed zip rootCA.pem must hold exactly one certificate. \u2014 the file holds 2 PEM blocks (CERTIFICATE, CERTIFICATE); ${ONLY_ONE}`;
      assert.equal(run.json?.message, message);
      assert.deepEqual(snapshotDiff(before, snapshot(copy.root)), [], "package wrote something");
      const report = failure(await json(copy, ["cert", "inspect", `in/${SITE}.signed.zip`]), "rootca");
      assert.ok(report.failed.includes("rootca"), report.failed.join(", "));
      assert.equal(report.detail, `INVALID_SIGNED_ZIP: ${message}`);
    }));

  test("in the CA folder: cert approve does not sign, cert inspect says why", () =>
    inCopy(async (copy) => {
      appendFileSync(join(copy.work, "ca", "rootCA.pem"), otherPem);
      const before = snapshot(copy.root);
      const run = await json(copy, [
        "cert",
        "approve",
        `${SITE}/${SITE}.request.zip`,
        "-c",
        "ca",
        "--profile",
        "project_profile.yaml",
        "--out",
        "again.signed.zip",
      ]);
      assert.equal(run.code, 1, run.stdout + run.stderr);
      assert.equal(run.json?.error_code, "CA_LOAD_FAILED");
      const message = `Failed to load root CA material from ca. \u2014 CertificateParseError: the file holds 2 PEM blocks (CERTIFICATE, CERTIFICATE); ${ONLY_ONE}`;
      assert.equal(run.json?.message, message);
      assert.deepEqual(snapshotDiff(before, snapshot(copy.root)), [], "cert approve wrote something");
      const report = failure(await json(copy, ["cert", "inspect", "ca"]), "ca-info");
      assert.deepEqual(report.failed, ["ca-info"]);
      assert.equal(report.detail, `CA_LOAD_FAILED: ${message}`);
    }));

  test("in a kit: cert inspect fails it, and package into that prod_NN refuses to go on", () =>
    inCopy(async (copy) => {
      const first = await json(copy, packageArgs());
      assert.equal(first.code, 0, first.stdout + first.stderr);
      const kitRoot = join(copy.work, KIT, "startup", "rootCA.pem");
      appendFileSync(kitRoot, otherPem);
      const kit = failure(await json(copy, ["cert", "inspect", KIT]), "rootca");
      assert.ok(kit.failed.includes("rootca"), kit.failed.join(", "));
      assert.equal(
        kit.detail,
        `startup/rootCA.pem is not a readable certificate: the file holds 2 PEM blocks (CERTIFICATE, CERTIFICATE); ${ONLY_ONE}`,
      );
      const file = failure(await json(copy, ["cert", "inspect", `${KIT}/startup/rootCA.pem`]), "certificate");
      assert.deepEqual(file.failed, ["certificate"]);
      const before = snapshot(copy.root);
      const again = await json(copy, [...packageArgs(), "--force"]);
      assert.equal(again.code, 4, again.stdout + again.stderr);
      assert.equal(again.json?.error_code, "ROOTCA_LOAD_FAILED");
      assert.equal(
        again.json?.message,
        `Existing production directory contains unreadable rootCA.pem: ${kitRoot}.`,
      );
      assert.deepEqual(snapshotDiff(before, snapshot(copy.root)), [], "package wrote something");
    }));

  test("a symlinked startup/rootCA.pem in that prod_NN is refused, not skipped", () =>
    inCopy(async (copy) => {
      const first = await json(copy, packageArgs());
      assert.equal(first.code, 0, first.stdout + first.stderr);
      // The kit's root now points at another CA's certificate.
      const kitRoot = join(copy.work, KIT, "startup", "rootCA.pem");
      unlinkSync(kitRoot);
      symlinkSync(join(copy.work, "other-ca", "rootCA.pem"), kitRoot);
      const before = snapshot(copy.root);
      const again = await json(copy, [...packageArgs(), "--force"]);
      assert.equal(again.code, 4, again.stdout + again.stderr);
      assert.equal(again.json?.error_code, "ROOTCA_LOAD_FAILED");
      assert.equal(
        again.json?.message,
        `Existing production directory contains unreadable rootCA.pem: ${kitRoot}. \u2014 it is a symbolic link`,
      );
      assert.deepEqual(snapshotDiff(before, snapshot(copy.root)), [], "package wrote something");
    }));
});
