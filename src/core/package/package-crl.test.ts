import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { fixedDeps } from "../../../test/helpers/deps.ts";
import { readFixture } from "../../../test/helpers/fixtures.ts";
import { kitInputFromRequestDir } from "../../../test/helpers/kit-inputs.ts";
import { opensslCa, opensslCrl } from "../../../test/helpers/openssl-crl.ts";
import { fromUtf8, utf8 } from "../bytes/encoding.ts";
import { KIT_CRL_FILE, KIT_GUARD_MODULE, KIT_GUARD_RESOURCES } from "../crl/kit-layout.ts";
import { parseCrl } from "../crl/parse-crl.ts";
import { writeCrl } from "../crl/write-crl.ts";
import { buildKit } from "../kit/build-kit.ts";
import { parseCertificate } from "../x509/certificate.ts";
import { parsePrivateKeyPem } from "../x509/keys.ts";
import { addCrlToServerKit, checkPackageCrls } from "./package-crl.ts";

const H = "hospital/work";
const root = parseCertificate(readFixture(H, "ca/rootCA.pem"));
const cert = parseCertificate(readFixture(H, "hospital-a/hospital-a.crt"));
const deps = fixedDeps(new Date("2026-11-28T12:00:00Z"));
let listing: string;
let empty: string;

async function crlOf(serials: string[], crlNumber: number): Promise<string> {
  const key = await parsePrivateKeyPem(readFixture(H, "ca/rootCA.key"), deps);
  const at = new Date("2026-11-28T11:00:00Z");
  const revoked = serials.map((serial) => ({ serial, revokedAt: at, reason: "keyCompromise" }));
  return (
    await writeCrl(
      { crlNumber, thisUpdate: at, nextUpdate: new Date("2026-12-28T11:00:00Z"), revoked },
      root,
      key.privateKey,
      deps,
    )
  ).pem;
}

const approval = (signed: Record<string, unknown> = {}) => ({
  signed,
  certificate: cert,
  root,
  name: "hospital-a",
});

before(async () => {
  listing = await crlOf([cert.serialHex, "0x51"], 2);
  empty = await crlOf([], 3);
});

describe("checkPackageCrls", () => {
  test("no CRL anywhere: nothing to check", async () => {
    assert.equal(await checkPackageCrls(approval(), "a.signed.zip", undefined, deps), undefined);
  });

  test("refuses a certificate listed by the signed zip's own CRL or by --crl, naming the list", async () => {
    await assert.rejects(checkPackageCrls(approval({ crl_pem: listing }), "a.signed.zip", undefined, deps), {
      code: "CERT_REVOKED",
      message: new RegExp(
        `^The certificate of hospital-a \\(serial ${cert.serialHex}\\) is revoked by the CRL a\\.signed\\.zip \\(signed\\.json crl_pem\\) \\(CRL number 2\\): revoked 2026-11-28T11:00:00Z, reason keyCompromise\\.$`,
      ),
    });
    await assert.rejects(
      checkPackageCrls(approval(), "a.signed.zip", { label: "crl.pem", bytes: utf8(listing) }, deps),
      { code: "CERT_REVOKED", message: /revoked by the CRL crl\.pem/ },
    );
  });

  test("returns the newest of two CRLs that do not list the certificate", async () => {
    const older = await crlOf(["0x51"], 1);
    const newest = await checkPackageCrls(
      approval({ crl_pem: older }),
      "a.signed.zip",
      { label: "crl.pem", bytes: utf8(empty) },
      deps,
    );
    assert.equal(newest?.crlNumber, 3n);
  });

  test("a CRL of another CA, or one that is not a CRL, is refused", async () => {
    const other = opensslCa("/CN=other");
    const at = new Date("2026-11-28T11:00:00Z");
    const foreign = opensslCrl({
      caCert: other.cert,
      caKey: other.key,
      lastUpdate: at,
      nextUpdate: new Date("2026-12-28T11:00:00Z"),
    });
    await assert.rejects(checkPackageCrls(approval(), "z", { label: "x.pem", bytes: foreign }, deps), {
      code: "CRL_ISSUER_MISMATCH",
    });
    await assert.rejects(checkPackageCrls(approval({ crl_pem: 7 }), "z", undefined, deps), {
      code: "CRL_INVALID",
    });
    await assert.rejects(checkPackageCrls(approval({ crl_pem: "junk" }), "z", undefined, deps), {
      code: "CRL_INVALID",
    });
  });
});

describe("addCrlToServerKit", () => {
  test("adds the CRL, the guard and the drop-in to the reference server kit, paths sorted, folders listed", async () => {
    const tree = buildKit(kitInputFromRequestDir(`${H}/server1.hospital-central.org`));
    const before = new Set(tree.files.keys());
    const guard = utf8("class RevocationGuard: pass\n");
    const warnings = await addCrlToServerKit(tree, parseCrl(empty), "crl.pem", guard, deps);
    assert.deepEqual(warnings, []);
    const added = [...tree.files.keys()].filter((k) => !before.has(k)).sort();
    assert.deepEqual(added, [KIT_GUARD_RESOURCES, KIT_CRL_FILE, KIT_GUARD_MODULE].sort());
    assert.equal(fromUtf8(tree.files.get(KIT_CRL_FILE)!.bytes), empty);
    assert.deepEqual(tree.files.get(KIT_GUARD_MODULE)?.bytes, guard);
    const keys = [...tree.files.keys()];
    assert.deepEqual(keys, [...keys].sort());
    assert.ok(tree.dirs.includes("local/custom"));
  });

  test("warns, and still installs, when the CRL is past its nextUpdate", async () => {
    const tree = buildKit(kitInputFromRequestDir(`${H}/server1.hospital-central.org`));
    const late = fixedDeps(new Date("2027-02-01T00:00:00Z"));
    const warnings = await addCrlToServerKit(tree, parseCrl(empty), "crl.pem", utf8("x"), late);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0] ?? "", /is not current: its nextUpdate .* has passed; installed anyway/);
    assert.ok(tree.files.has(KIT_CRL_FILE));
  });
});
