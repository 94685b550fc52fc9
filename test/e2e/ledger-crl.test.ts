import assert from "node:assert/strict";
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { type CliRun, okData, runCli } from "../helpers/cli.ts";
import { opensslCa, opensslCrl } from "../helpers/openssl-crl.ts";
import {
  type Copy,
  cleanupAll,
  cloneWorld,
  initWorldCa,
  newWorld,
  requestWorld,
  resignSignedZip,
  snapshot,
  snapshotDiff,
  type World,
  zipMembers,
} from "../security/helpers/harness.ts";

// The CRL after `cert revoke`: `cert approve` carries it inside signed.json (covered by the
// CA's signature, the zip keeps NVFlare's five members), `package` refuses a certificate a CRL
// it can see lists and writes nothing, and a server kit gets the CRL and the guard in the
// places `kit crl install` uses.

const SERVER = "server1.hospital-central.org";
const KIT = "ws/hospital_federation/prod_00";
const copies: Copy[] = [];
let base: World;
let world: Copy;
let fingerprint: string;

const cli = (args: string[]): CliRun =>
  runCli(["--format", "json", ...args], {
    cwd: world.work,
    home: world.home,
    env: { FLARE_PROVISION_NOW: "" },
  });
const approve = (name: string, ...extra: string[]) =>
  okData(
    cli([
      "cert",
      "approve",
      `${name}/${name}.request.zip`,
      "-c",
      "ca",
      "--profile",
      "project_profile.yaml",
      ...extra,
    ]),
  );
const pkg = (name: string, ...extra: string[]) =>
  cli(["package", `${name}/${name}.signed.zip`, "--fingerprint", fingerprint, "-w", "ws", ...extra]);
const signedJson = (name: string) =>
  JSON.parse(
    new TextDecoder().decode(zipMembers(join(world.work, name, `${name}.signed.zip`)).get("signed.json")),
  );

before(async () => {
  base = newWorld("flare-ledger-crl-base-");
  await initWorldCa(base);
  for (const file of ["hospital-a.yaml", "hospital-b.yaml", "server.yaml"]) await requestWorld(base, file);
  world = cloneWorld(base, "flare-ledger-crl-");
  copies.push(world);
  fingerprint = JSON.parse(readFileSync(join(world.work, "ca", "ca.json"), "utf8")).rootCA_fingerprint;
  // hospital-a is approved, then revoked; everything approved later carries the CRL.
  approve("hospital-a");
  assert.equal(signedJson("hospital-a").crl_pem, undefined);
  okData(cli(["cert", "revoke", "hospital-a", "-c", "ca", "--reason", "keyCompromise"]));
});

after(() => cleanupAll([...copies.map((c) => c.cleanup), base?.cleanup]));

describe("cert approve after a revocation", () => {
  test("signed.json carries the CA's CRL; the zip keeps exactly NVFlare's five members", () => {
    approve(SERVER);
    const signed = signedJson(SERVER);
    assert.equal(signed.crl_pem, readFileSync(join(world.work, "ca", "crl.pem"), "utf8"));
    assert.deepEqual(
      [...zipMembers(join(world.work, SERVER, `${SERVER}.signed.zip`)).keys()],
      ["signed.json", "signed.json.sig", "site.yaml", `${SERVER}.crt`, "rootCA.pem"],
    );
  });
});

describe("package and the CRL", () => {
  test("a server kit gets the CRL, the guard and its resources drop-in, as kit crl install places them", () => {
    okData(pkg(SERVER));
    const kit = join(world.work, KIT, SERVER);
    assert.equal(
      readFileSync(join(kit, "local/custom/flare_provision_crl.pem"), "utf8"),
      readFileSync(join(world.work, "ca", "crl.pem"), "utf8"),
    );
    assert.match(
      readFileSync(join(kit, "local/custom/flare_provision_revocation.py"), "utf8"),
      /class RevocationGuard/,
    );
    assert.match(
      readFileSync(join(kit, "local/flare_provision_revocation__p_resources.json"), "utf8"),
      /flare_provision_revocation\.RevocationGuard/,
    );
    // Installing the same CRL again changes nothing: package put it exactly where install would.
    const again = okData(cli(["kit", "crl", "install", "ca/crl.pem", `${KIT}/${SERVER}`]));
    assert.equal(again.changed, "nothing");
  });

  test("a client kit is packaged without the guard, with the CRL checked", () => {
    approve("hospital-b");
    okData(pkg("hospital-b"));
    const snap = snapshot(join(world.work, KIT, "hospital-b"));
    assert.ok(![...snap.keys()].some((k) => k.includes("flare_provision")), [...snap.keys()].join("\n"));
  });

  test("--crl naming a revoked certificate: CERT_REVOKED, exit 4, nothing written", () => {
    const before = snapshot(world.work);
    const run = pkg("hospital-a", "--crl", "ca/crl.pem");
    assert.equal(run.code, 4, run.stdout);
    assert.equal(run.json?.error_code, "CERT_REVOKED");
    assert.match(
      String(run.json?.message),
      /^The certificate of hospital-a \(serial 0x[0-9a-f]+\) is revoked by the CRL ca\/crl\.pem \(CRL number 1\): revoked .*, reason keyCompromise\.$/,
    );
    assert.deepEqual(snapshotDiff(before, snapshot(world.work)), []);
    // Without the CRL, the old signed zip (made before the revocation) still packages.
    const plain = cli([
      "package",
      "hospital-a/hospital-a.signed.zip",
      "--fingerprint",
      fingerprint,
      "-w",
      "elsewhere",
    ]);
    okData(plain);
  });

  test("a signed zip whose own CRL lists its certificate is refused", async () => {
    const zipPath = join(world.work, "hospital-a", "hospital-a.signed.zip");
    const crlPem = readFileSync(join(world.work, "ca", "crl.pem"), "utf8");
    const resigned = await resignSignedZip(
      new Uint8Array(readFileSync(zipPath)),
      new Uint8Array(readFileSync(join(world.work, "ca", "rootCA.key"))),
      (signed) => {
        signed.crl_pem = crlPem;
      },
    );
    writeFileSync(join(world.work, "hospital-a", "hospital-a.signed.zip"), resigned);
    const run = pkg("hospital-a", "--force");
    assert.equal(run.json?.error_code, "CERT_REVOKED");
    assert.match(
      String(run.json?.message),
      /revoked by the CRL hospital-a\/hospital-a\.signed\.zip \(signed\.json crl_pem\)/,
    );
  });

  test("a CRL of another CA is refused, naming both", () => {
    const other = opensslCa("/CN=hospital_federation");
    const now = new Date();
    writeFileSync(
      join(world.work, "other-crl.pem"),
      opensslCrl({
        caCert: other.cert,
        caKey: other.key,
        lastUpdate: new Date(now.getTime() - 60_000),
        nextUpdate: new Date(now.getTime() + 86_400_000),
      }),
    );
    const run = pkg("hospital-b", "--crl", "other-crl.pem", "--force");
    assert.equal(run.code, 4);
    assert.equal(run.json?.error_code, "CRL_ISSUER_MISMATCH");
    const missing = pkg("hospital-b", "--crl", "nope.pem", "--force");
    assert.equal(missing.json?.error_code, "CRL_NOT_FOUND");
  });

  test("cert inspect: a CA folder reports its ledger and CRL, a prod folder the kits its CRL revokes", () => {
    const ca = okData(cli(["cert", "inspect", "ca"])) as unknown as {
      facts: Record<string, string>;
      checks: { id: string; ok: boolean }[];
    };
    assert.match(ca.facts.ledger ?? "", /^4 entries \(3 issued, 1 revocations\), head [0-9a-f]{64}$/);
    assert.match(ca.facts.crl ?? "", /^CRL number 1, 1 revoked serial\(s\), nextUpdate /);
    assert.deepEqual(
      ca.checks.filter((c) => c.id === "ledger" || c.id === "crl").map((c) => [c.id, c.ok]),
      [
        ["ledger", true],
        ["crl", true],
      ],
    );
    // The server kit (with its CRL) beside the kit of the revoked hospital-a, packaged before.
    const prod = join(world.work, "elsewhere/hospital_federation/prod_00");
    cpSync(join(world.work, KIT, SERVER), join(prod, SERVER), { recursive: true });
    const set = cli(["cert", "inspect", "elsewhere/hospital_federation/prod_00"]);
    assert.equal(set.code, 4, set.stdout);
    const data = set.json?.data as { failed: string[]; checks: { id: string; detail: string }[] };
    assert.deepEqual(data.failed, ["not-revoked"]);
    assert.match(
      data.checks.find((c) => c.id === "not-revoked")?.detail ?? "",
      new RegExp(
        `revoked by the CRL of ${SERVER.replace(/\./g, "\\.")} \\(number 1\\): hospital-a \\(serial 0x`,
      ),
    );
    const server = okData(cli(["cert", "inspect", `${KIT}/${SERVER}`])) as unknown as {
      checks: { id: string; ok: boolean }[];
    };
    assert.equal(server.checks.find((c) => c.id === "not-revoked")?.ok, true);
    // A ledger edited by hand fails the CA folder's inspection too.
    const ledger = join(world.work, "ca", "ledger.jsonl");
    const original = readFileSync(ledger, "utf8");
    writeFileSync(ledger, original.replace('"hospital-b"', '"hospital-c"'));
    const broken = cli(["cert", "inspect", "ca"]);
    writeFileSync(ledger, original);
    assert.equal(broken.code, 4);
    const brokenData = broken.json?.data as { failed: string[] };
    assert.deepEqual(brokenData.failed, ["ledger"]);
  });
});
