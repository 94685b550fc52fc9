import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { type CliRun, okData, runCli } from "../helpers/cli.ts";
import {
  type Copy,
  cleanupAll,
  cloneWorld,
  initWorldCa,
  newWorld,
  requestWorld,
  runAsync,
  snapshot,
  snapshotDiff,
  type World,
} from "../security/helpers/harness.ts";

// The issuance ledger end to end, through the built CLI: approvals append to it (and the first
// one says it started it), cert list shows statuses, cert ledger verify names the first bad
// entry of every kind of tampering with exit 4, concurrent approvals chain, cert revoke
// writes a CRL that openssl accepts.

const REQUESTS = ["hospital-a", "hospital-b", "alice@hospital-alpha.org", "bob@hospital-alpha.org"];
const FILES: Record<string, string> = {
  "hospital-a": "hospital-a.yaml",
  "hospital-b": "hospital-b.yaml",
  "alice@hospital-alpha.org": "alice.yaml",
  "bob@hospital-alpha.org": "bob.yaml",
};
const copies: Copy[] = [];
let base: World;

function fresh(): Copy {
  const copy = cloneWorld(base, "flare-ledger-");
  copies.push(copy);
  return copy;
}

// The world's CA was made with the system clock, so the CLI runs on it too.
const cli = (copy: Copy, args: string[], env: Record<string, string> = {}): CliRun =>
  runCli(args, { cwd: copy.work, home: copy.home, env: { FLARE_PROVISION_NOW: "", ...env } });
const json = (copy: Copy, args: string[], env: Record<string, string> = {}) =>
  cli(copy, ["--format", "json", ...args], env);
const approve = (copy: Copy, name: string, ...extra: string[]) =>
  cli(copy, [
    "cert",
    "approve",
    `${name}/${name}.request.zip`,
    "-c",
    "ca",
    "--profile",
    "project_profile.yaml",
    ...extra,
  ]);

const ledgerPath = (copy: Copy) => join(copy.work, "ca", "ledger.jsonl");
const ledgerLines = (copy: Copy) => readFileSync(ledgerPath(copy), "utf8").split("\n").slice(0, -1);
const writeLines = (copy: Copy, lines: string[]) =>
  writeFileSync(ledgerPath(copy), lines.map((l) => `${l}\n`).join(""));
const sha256 = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");

/** A copy in which hospital-a, alice and hospital-a again (a newer certificate) were approved. */
function approvedThree(): Copy {
  const copy = fresh();
  const first = approve(copy, "hospital-a");
  assert.equal(first.code, 0, first.stderr);
  assert.equal(approve(copy, "alice@hospital-alpha.org").code, 0);
  const again = approve(copy, "hospital-a", "--out", "renewed/hospital-a.signed.zip");
  assert.equal(again.code, 0, again.stderr);
  return copy;
}

before(async () => {
  base = newWorld("flare-ledger-base-");
  await initWorldCa(base);
  for (const name of REQUESTS) await requestWorld(base, FILES[name]);
  await requestWorld(base, "server.yaml");
});

after(() => cleanupAll([...copies.map((c) => c.cleanup), base?.cleanup]));

describe("cert approve writes the ledger", () => {
  test("the first approval starts the ledger and says so, later ones do not; entries match the signed zips", () => {
    const copy = fresh();
    const first = approve(copy, "hospital-a");
    assert.equal(first.code, 0, first.stderr);
    assert.match(
      first.stdout,
      /^Note: started the issuance ledger ca\/ledger\.jsonl: this CA folder had none/m,
    );
    const second = json(copy, [
      "cert",
      "approve",
      "alice@hospital-alpha.org/alice@hospital-alpha.org.request.zip",
      "-c",
      "ca",
      "--profile",
      "project_profile.yaml",
    ]);
    okData(second);
    assert.doesNotMatch(second.stderr, /started the issuance ledger/);
    const entries = ledgerLines(copy).map((l) => JSON.parse(l));
    assert.deepEqual(
      entries.map((e) => [e.seq, e.type, e.name, e.cert_type, e.kind]),
      [
        [1, "issue", "hospital-a", "client", "site"],
        [2, "issue", "alice@hospital-alpha.org", "lead", "user"],
      ],
    );
    const zip = join(copy.work, "hospital-a", "hospital-a.signed.zip");
    assert.equal(entries[0].signed_zip_sha256, sha256(zip));
    const signed = JSON.parse(readFileSync(join(copy.work, "hospital-a", "request.json"), "utf8"));
    assert.equal(entries[0].request_id, signed.request_id);
    assert.equal(entries[0].spki_sha256, signed.public_key_sha256);
    // Never any key material, in any form.
    const text = readFileSync(ledgerPath(copy), "utf8");
    assert.doesNotMatch(text, /PRIVATE KEY|BEGIN/);
    assert.deepEqual(Object.keys(entries[0]).sort(), [
      "cert_role",
      "cert_type",
      "certificate_sha256",
      "deploy_version",
      "kind",
      "name",
      "not_after",
      "not_before",
      "org",
      "prev",
      "project",
      "request_id",
      "seq",
      "serial",
      "sig",
      "signed_zip_sha256",
      "spki_sha256",
      "time",
      "type",
    ]);
  });

  test("a failed approval (the signed zip exists) writes no entry", () => {
    const copy = fresh();
    assert.equal(approve(copy, "hospital-a").code, 0);
    const before = readFileSync(ledgerPath(copy), "utf8");
    const again = approve(copy, "hospital-a");
    assert.equal(again.code, 1);
    assert.match(again.stderr, /CERT_ALREADY_EXISTS/);
    assert.equal(readFileSync(ledgerPath(copy), "utf8"), before);
  });

  test("concurrent approvals serialise on the CA lock: one unbroken chain, one entry per signed zip", async () => {
    const copy = fresh();
    const runs = await Promise.all(
      REQUESTS.map((name) =>
        runAsync(
          [
            "--format",
            "json",
            "cert",
            "approve",
            `${name}/${name}.request.zip`,
            "-c",
            "ca",
            "--profile",
            "project_profile.yaml",
          ],
          { cwd: copy.work, home: copy.home, env: { FLARE_PROVISION_NOW: "" } },
        ),
      ),
    );
    for (const run of runs) assert.equal(run.code, 0, run.stdout + run.stderr);
    const verify = okData(json(copy, ["cert", "ledger", "verify", "-c", "ca"]));
    assert.equal(verify.entries, REQUESTS.length);
    const entries = ledgerLines(copy).map((l) => JSON.parse(l));
    assert.deepEqual(
      entries.map((e) => e.seq),
      [1, 2, 3, 4],
    );
    assert.deepEqual(entries.map((e) => e.name).sort(), [...REQUESTS].sort());
    for (const e of entries) {
      const zip = join(copy.work, e.name, `${e.name}.signed.zip`);
      assert.equal(e.signed_zip_sha256, sha256(zip), e.name);
    }
    // Exactly one of the runs started the ledger.
    assert.equal(runs.filter((r) => /started the issuance ledger/.test(r.stderr)).length, 1);
    assert.equal(existsSync(join(copy.work, "ca", ".ledger.jsonl.flare-lock")), false);
  });
});

describe("cert list", () => {
  let copy: Copy;
  before(() => {
    copy = approvedThree();
  });

  test("text table: every certificate with status and days left", () => {
    const run = cli(copy, ["cert", "list", "--ca-dir", "ca"]);
    assert.equal(run.code, 0, run.stderr);
    const lines = run.stdout.trimEnd().split("\n");
    assert.match(lines[0] ?? "", /^SERIAL +NAME +TYPE +ORG +STATUS +NOT AFTER +DAYS LEFT$/);
    assert.match(
      lines[1] ?? "",
      /^0x[0-9a-f]+ +hospital-a +client +hospital_alpha +superseded +\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ +109[45]$/,
    );
    assert.match(lines[2] ?? "", /^0x[0-9a-f]+ +alice@hospital-alpha\.org +lead +hospital_alpha +valid +/);
    assert.match(lines[3] ?? "", / hospital-a +client +hospital_alpha +valid +/);
    assert.equal(lines[4], "3 of 3 certificates");
  });

  test("JSON and filters: --name, --type, --status, --expiring", () => {
    const list = (...args: string[]) =>
      okData(json(copy, ["cert", "list", "-c", "ca", ...args])) as unknown as {
        total: number;
        certificates: { name: string; status: string; days_left: number; superseded_by: string | null }[];
      };
    const all = list();
    assert.equal(all.total, 3);
    assert.equal(
      all.certificates[0]?.superseded_by,
      (all.certificates[2] as unknown as { serial: string }).serial,
    );
    assert.deepEqual(
      list("--name", "hospital-a").certificates.map((c) => c.status),
      ["superseded", "valid"],
    );
    assert.deepEqual(
      list("--type", "lead").certificates.map((c) => c.name),
      ["alice@hospital-alpha.org"],
    );
    assert.deepEqual(
      list("--status", "valid").certificates.map((c) => c.name),
      ["alice@hospital-alpha.org", "hospital-a"],
    );
    assert.equal(list("--expiring", "30").certificates.length, 0);
    // Seen from ten days before they expire, all three are expiring; after, all are expired.
    const later = (at: string, ...args: string[]) =>
      okData(json(copy, ["cert", "list", "-c", "ca", ...args], { FLARE_PROVISION_NOW: at })) as unknown as {
        certificates: { status: string; days_left: number }[];
      };
    const notAfter = Date.parse((all.certificates[0] as unknown as { not_after: string }).not_after);
    const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
    const soon = later(iso(notAfter - 9.5 * 86_400_000), "--expiring", "30").certificates;
    assert.equal(soon.length, 3);
    assert.ok(soon.every((c) => c.days_left >= 9 && c.days_left <= 10));
    assert.deepEqual(
      later(iso(notAfter + 86_400_000)).certificates.map((c) => c.status),
      ["expired", "expired", "expired"],
    );
    const bad = json(copy, ["cert", "list", "-c", "ca", "--status", "bogus"]);
    assert.equal(bad.code, 4);
    assert.equal(bad.json?.error_code, "INVALID_ARGS");
  });

  test("a CA folder without a ledger lists nothing and says why", () => {
    const empty = fresh();
    const run = cli(empty, ["cert", "list", "-c", "ca"]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^Note: this CA folder has no issuance ledger yet/m);
    assert.match(run.stdout, /^0 of 0 certificates$/m);
  });
});

describe("cert ledger verify: every kind of tampering is named, exit 4", () => {
  function refused(copy: Copy, firstBad: number | null, message: RegExp): void {
    const run = json(copy, ["cert", "ledger", "verify", "--ca-dir", "ca"]);
    assert.equal(run.code, 4, run.stdout);
    assert.equal(run.json?.error_code, "LEDGER_INVALID");
    assert.match(String(run.json?.message), message);
    const data = run.json?.data as { first_bad_seq: number | null };
    assert.equal(data.first_bad_seq, firstBad);
    // Text mode names it too, without a stack trace.
    const text = cli(copy, ["cert", "ledger", "verify", "-c", "ca"]);
    assert.equal(text.code, 4);
    assert.match(text.stderr, /^The issuance ledger in ca does not verify: /);
    assert.match(text.stderr, /Code: LEDGER_INVALID \(exit 4\)/);
    assert.doesNotMatch(text.stderr, /\n\s+at /);
  }

  test("an untouched ledger verifies", () => {
    const copy = approvedThree();
    const data = okData(json(copy, ["cert", "ledger", "verify", "-c", "ca"]));
    assert.equal(data.ledger, "ok");
    assert.equal(data.entries, 3);
    assert.equal(data.head_seq, 3);
    assert.match(data.head_sha256 ?? "", /^[0-9a-f]{64}$/);
  });

  test("an edited entry", () => {
    const copy = approvedThree();
    const lines = ledgerLines(copy);
    lines[1] = (lines[1] as string).replace('"cert_type":"lead"', '"cert_type":"org_admin"');
    writeLines(copy, lines);
    refused(copy, 2, /entry 2 \(line 2 of ledger\.jsonl\): the root CA's signature does not verify/);
  });

  test("a deleted entry", () => {
    const copy = approvedThree();
    const lines = ledgerLines(copy);
    lines.splice(0, 1);
    writeLines(copy, lines);
    refused(
      copy,
      1,
      /entry 1 \(line 1 of ledger\.jsonl\) has seq 2, expected 1: an entry before it was deleted/,
    );
  });

  test("reordered entries", () => {
    const copy = approvedThree();
    const lines = ledgerLines(copy);
    writeLines(copy, [lines[0] as string, lines[2] as string, lines[1] as string]);
    refused(copy, 2, /entry 2 \(line 2 of ledger\.jsonl\) has seq 3, expected 2/);
  });

  test("a truncated ledger (the last entry removed)", () => {
    const copy = approvedThree();
    writeLines(copy, ledgerLines(copy).slice(0, 2));
    refused(copy, 3, /the ledger was truncated: entry 3 is missing/);
  });

  test("a removed head record, and a head edited to hide a truncation", () => {
    const copy = approvedThree();
    const headPath = join(copy.work, "ca", "ledger.head.json");
    const head = readFileSync(headPath, "utf8");
    rmSync(headPath);
    refused(copy, null, /ledger\.head\.json is missing/);
    writeFileSync(headPath, head.replace('"seq":3', '"seq":2'));
    writeLines(copy, ledgerLines(copy).slice(0, 2));
    refused(copy, null, /ledger\.head\.json: the root CA's signature does not verify/);
  });

  test("approve, list and revoke refuse to work on a tampered ledger, and write nothing", () => {
    const copy = approvedThree();
    const lines = ledgerLines(copy);
    lines.splice(1, 1);
    writeLines(copy, lines);
    const before = snapshot(copy.work);
    const run = approve(copy, "bob@hospital-alpha.org");
    assert.equal(run.code, 4);
    assert.match(run.stderr, /Code: LEDGER_INVALID/);
    assert.equal(cli(copy, ["cert", "list", "-c", "ca"]).code, 4);
    assert.equal(cli(copy, ["cert", "revoke", "hospital-a", "-c", "ca"]).code, 4);
    assert.deepEqual(snapshotDiff(before, snapshot(copy.work)), []);
  });
});

describe("cert revoke", () => {
  test("by name: revokes every valid certificate of the identity, writes a CRL openssl verifies", () => {
    const copy = approvedThree();
    const dry = json(copy, ["cert", "revoke", "hospital-a", "-c", "ca", "--dry-run"]);
    const planned = okData(dry) as unknown as { dry_run: boolean; revoked: { serial: string }[] };
    assert.equal(planned.dry_run, true);
    assert.equal(planned.revoked.length, 2);
    assert.equal(existsSync(join(copy.work, "ca", "crl.pem")), false);
    assert.equal(ledgerLines(copy).length, 3);

    const done = okData(
      json(copy, ["cert", "revoke", "hospital-a", "-c", "ca", "--reason", "keyCompromise"]),
    ) as unknown as {
      revoked: { serial: string }[];
      crl_number: number;
      crl_file: string;
      ledger_seq: number;
    };
    assert.deepEqual(
      done.revoked.map((r) => r.serial),
      planned.revoked.map((r) => r.serial),
    );
    assert.equal(done.crl_number, 1);
    assert.equal(done.ledger_seq, 4);
    const crl = join(copy.work, "ca", "crl.pem");
    const verify = runOpenssl([
      "crl",
      "-in",
      crl,
      "-CAfile",
      join(copy.work, "ca", "rootCA.pem"),
      "-verify",
      "-noout",
      "-text",
    ]);
    assert.equal(verify.status, 0, verify.stderr);
    assert.match(verify.stderr + verify.stdout, /verify OK/);
    for (const r of done.revoked)
      assert.match(verify.stdout, new RegExp(`Serial Number: 0?${r.serial.slice(2).toUpperCase()}\\s`));
    assert.match(verify.stdout, /Key Compromise/);
    const revokeEntry = JSON.parse(ledgerLines(copy)[3] as string);
    assert.equal(revokeEntry.type, "revoke");
    assert.equal(
      revokeEntry.crl_sha256,
      createHash("sha256")
        .update(derOf(readFileSync(crl, "utf8")))
        .digest("hex"),
    );

    const statuses = (
      okData(json(copy, ["cert", "list", "-c", "ca"])) as unknown as {
        certificates: { name: string; status: string; revocation_reason: string | null }[];
      }
    ).certificates.map((c) => [c.name, c.status, c.revocation_reason]);
    assert.deepEqual(statuses, [
      ["hospital-a", "revoked", "keyCompromise"],
      ["alice@hospital-alpha.org", "valid", null],
      ["hospital-a", "revoked", "keyCompromise"],
    ]);
    // Nothing left to revoke for that name.
    const again = json(copy, ["cert", "revoke", "hospital-a", "-c", "ca"]);
    assert.equal(again.code, 4);
    assert.equal(again.json?.error_code, "NOTHING_TO_REVOKE");
    okData(json(copy, ["cert", "ledger", "verify", "-c", "ca"]));
  });

  test("by serial, also one the ledger does not know; the next CRL lists every revocation with a higher number", () => {
    const copy = approvedThree();
    const alice = JSON.parse(ledgerLines(copy)[1] as string).serial as string;
    okData(json(copy, ["cert", "revoke", "--serial", alice.toUpperCase().replace("0X", ""), "-c", "ca"]));
    const unknown = okData(
      json(copy, ["cert", "revoke", "--serial", "0x1234abcd", "-c", "ca", "--reason", "superseded"]),
    ) as unknown as {
      revoked: { serial: string; in_ledger: boolean }[];
      crl_number: number;
      crl_revoked_count: number;
    };
    assert.deepEqual(unknown.revoked, [
      { serial: "0x1234abcd", name: null, cert_type: null, not_after: null, in_ledger: false },
    ]);
    assert.equal(unknown.crl_number, 2);
    assert.equal(unknown.crl_revoked_count, 2);
    const text = runOpenssl(["crl", "-in", join(copy.work, "ca", "crl.pem"), "-noout", "-text"]).stdout;
    assert.match(text, /CRL Number: \s*2\b/);
    assert.match(text, new RegExp(`Serial Number: 0?${alice.slice(2).toUpperCase()}\\s`));
    assert.match(
      text,
      /Serial Number: 1234ABCD\s+Revocation Date: .*\s+CRL entry extensions:\s+X509v3 CRL Reason Code:\s+Superseded/,
    );
    const twice = json(copy, ["cert", "revoke", "--serial", alice, "-c", "ca"]);
    assert.equal(twice.json?.error_code, "NOTHING_TO_REVOKE");
    const bad = json(copy, ["cert", "revoke", "--serial", "xyz", "-c", "ca"]);
    assert.equal(bad.json?.error_code, "INVALID_ARGS");
    const both = json(copy, ["cert", "revoke", "hospital-a", "--serial", alice, "-c", "ca"]);
    assert.equal(both.json?.error_code, "INVALID_ARGS");
    const unknownName = json(copy, ["cert", "revoke", "nobody", "-c", "ca"]);
    assert.equal(unknownName.json?.error_code, "NOTHING_TO_REVOKE");
    assert.match(String(unknownName.json?.message), /has no certificate for 'nobody'/);
  });

  test("kit crl install puts the CRL cert revoke wrote into a server kit packaged from this CA", () => {
    const copy = approvedThree();
    const server = "server1.hospital-central.org";
    assert.equal(approve(copy, server).code, 0);
    const fp = JSON.parse(readFileSync(join(copy.work, "ca", "ca.json"), "utf8")).rootCA_fingerprint;
    okData(json(copy, ["package", `${server}/${server}.signed.zip`, "--fingerprint", fp, "-w", "ws"]));
    okData(json(copy, ["cert", "revoke", "alice@hospital-alpha.org", "-c", "ca"]));
    const kit = `ws/hospital_federation/prod_00/${server}`;
    const install = okData(json(copy, ["kit", "crl", "install", "ca/crl.pem", kit])) as unknown as {
      crl_number: number;
      revoked: number;
    };
    assert.equal(Number(install.crl_number), 1);
    assert.equal(Number(install.revoked), 1);
  });
});

function runOpenssl(args: string[]) {
  const run = spawnSync("openssl", args, { encoding: "utf8" });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

function derOf(pem: string): Buffer {
  return Buffer.from(pem.replace(/-----[^-]+-----/g, "").replace(/\s+/g, ""), "base64");
}
