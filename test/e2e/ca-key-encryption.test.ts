import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { okData, runCli } from "../helpers/cli.ts";
import { makeTempDir, REPO_ROOT } from "../helpers/fixtures.ts";

const PASS = "blue harbour seventeen lanterns";
const HAVE_OPENSSL = spawnSync("openssl", ["version"]).status === 0;

function openssl(args: string[], cwd: string): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync("openssl", args, { cwd, encoding: "utf8" });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe("a passphrase-protected root CA key", () => {
  const { dir, cleanup } = makeTempDir("flare-cakey-");
  const work = join(dir, "work");
  const home = join(dir, "home");
  const cli = (args: string[], env: Record<string, string> = {}) => runCli(args, { cwd: work, home, env });
  const approve = (zip: string, ...args: string[]) =>
    cli([
      "--format",
      "json",
      "cert",
      "approve",
      zip,
      "-c",
      "ca",
      "--profile",
      "project_profile.yaml",
      ...args,
    ]);
  const approvals = () => {
    const folder = join(home, ".nvflare", "cert_approves");
    return existsSync(folder) ? readdirSync(folder).length : 0;
  };
  const keyText = () => readFileSync(join(work, "ca", "rootCA.key"), "utf8");

  before(() => {
    mkdirSync(home);
    cpSync(join(REPO_ROOT, "examples", "hospital"), work, { recursive: true });
    writeFileSync(join(work, "pass.txt"), `${PASS}\n`, { mode: 0o600 });
    writeFileSync(join(work, "wrong.txt"), "not the passphrase\n", { mode: 0o600 });
    const init = okData(
      cli([
        "--format",
        "json",
        "cert",
        "init",
        "--profile",
        "project_profile.yaml",
        "-o",
        "ca",
        "--encrypt-key",
        "--passphrase-file",
        "pass.txt",
      ]),
    );
    assert.match(init.key_encryption as string, /PBKDF2-HMAC-SHA256 600000 iterations, AES-256-CBC/);
    okData(cli(["--format", "json", "cert", "request", "-p", "hospital-a.yaml"]));
    okData(cli(["--format", "json", "cert", "request", "-p", "hospital-b.yaml"]));
  });
  after(cleanup);

  test("cert init --encrypt-key writes an encrypted PKCS#8 key, 0600", () => {
    assert.match(keyText(), /^-----BEGIN ENCRYPTED PRIVATE KEY-----\n/);
    assert.equal(statSync(join(work, "ca", "rootCA.key")).mode & 0o777, 0o600);
    assert.doesNotMatch(keyText(), /BEGIN (RSA )?PRIVATE KEY/);
  });

  test("openssl reads it with the passphrase: PBES2, PBKDF2-HMAC-SHA256, 600000 iterations, AES-256-CBC", {
    skip: !HAVE_OPENSSL && "openssl is not installed",
  }, () => {
    const ca = join(work, "ca");
    const pub = openssl(
      ["pkey", "-in", "rootCA.key", "-passin", `file:${join(work, "pass.txt")}`, "-pubout"],
      ca,
    );
    assert.equal(pub.status, 0, pub.stderr);
    const certPub = openssl(["x509", "-in", "rootCA.pem", "-pubkey", "-noout"], ca);
    assert.equal(pub.stdout, certPub.stdout, "the encrypted key is the root certificate's key");
    const wrong = openssl(["pkey", "-in", "rootCA.key", "-passin", "pass:wrong", "-noout"], ca);
    assert.notEqual(wrong.status, 0);
    const asn1 = openssl(["asn1parse", "-in", "rootCA.key"], ca);
    assert.equal(asn1.status, 0, asn1.stderr);
    for (const part of [":PBES2", ":PBKDF2", ":hmacWithSHA256", ":aes-256-cbc", "INTEGER           :0927C0"])
      assert.ok(asn1.stdout.includes(part), `${part} in\n${asn1.stdout}`);
  });

  test("a wrong passphrase is CA_KEY_LOCKED (exit 4) and nothing is written", () => {
    const before = approvals();
    const run = approve("hospital-a/hospital-a.request.zip", "--passphrase-file", "wrong.txt");
    assert.equal(run.code, 4, run.stdout);
    assert.equal(run.json?.error_code, "CA_KEY_LOCKED");
    assert.match(String(run.json?.message), /does not unlock the root CA key ca\/rootCA\.key/);
    assert.match(String(run.json?.hint), /Nothing was signed/);
    assert.ok(!existsSync(join(work, "hospital-a", "hospital-a.signed.zip")));
    assert.equal(approvals(), before);
    const text = cli(
      [
        "cert",
        "approve",
        "hospital-a/hospital-a.request.zip",
        "-c",
        "ca",
        "--profile",
        "project_profile.yaml",
        "--passphrase-env",
        "CA_PASS",
      ],
      { CA_PASS: "nope" },
    );
    assert.equal(text.code, 4);
    assert.match(text.stderr, /^Code: CA_KEY_LOCKED \(exit 4\)$/m);
    assert.doesNotMatch(text.stderr, /at .*\.js:\d+/, "no stack trace");
  });

  test("no terminal and no file or variable: PASSPHRASE_REQUIRED with a hint", () => {
    const run = approve("hospital-a/hospital-a.request.zip");
    assert.equal(run.code, 4);
    assert.equal(run.json?.error_code, "PASSPHRASE_REQUIRED");
    assert.match(String(run.json?.message), /no terminal to ask on/);
    assert.match(String(run.json?.hint), /--passphrase-file FILE .* --passphrase-env NAME/);
    const unset = approve("hospital-a/hospital-a.request.zip", "--passphrase-env", "CA_PASS");
    assert.equal(unset.json?.error_code, "PASSPHRASE_REQUIRED");
    assert.match(String(unset.json?.message), /CA_PASS \(--passphrase-env\) is not set/);
    // There is no option that takes the passphrase itself.
    const inline = approve("hospital-a/hospital-a.request.zip", "--passphrase", PASS);
    assert.equal(inline.json?.error_code, "INVALID_ARGS");
    assert.ok(!existsSync(join(work, "hospital-a", "hospital-a.signed.zip")));
  });

  test("the right passphrase from a variable signs; a batch asks once and signs every zip", () => {
    const data = okData(
      runCli(
        [
          "--format",
          "json",
          "cert",
          "approve",
          "hospital-a/hospital-a.request.zip",
          "-c",
          "ca",
          "--profile",
          "project_profile.yaml",
          "--passphrase-env",
          "CA_PASS",
        ],
        { cwd: work, home, env: { CA_PASS: PASS } },
      ),
    );
    assert.equal(data.name, "hospital-a");
    mkdirSync(join(work, "inbox"));
    cpSync(join(work, "hospital-b", "hospital-b.request.zip"), join(work, "inbox", "hospital-b.request.zip"));
    cpSync(join(work, "hospital-a", "hospital-a.request.zip"), join(work, "inbox", "hospital-a.request.zip"));
    const wrong = approve("inbox", "--passphrase-file", "wrong.txt");
    assert.equal(wrong.code, 4);
    const results =
      (wrong.json?.data as { results: Array<Record<string, unknown>> } | undefined)?.results ?? [];
    assert.deepEqual(
      results.map((r) => r.error_code),
      ["CA_KEY_LOCKED", "CA_KEY_LOCKED"],
    );
    const batch = approve("inbox", "--passphrase-file", "pass.txt");
    assert.equal(batch.code, 0, batch.stdout);
    assert.deepEqual(
      readdirSync(join(work, "inbox"))
        .filter((f) => f.endsWith(".signed.zip"))
        .sort(),
      ["hospital-a.signed.zip", "hospital-b.signed.zip"],
    );
  });

  test("cert revoke signs its CRL with the encrypted key: PASSPHRASE_REQUIRED without it, revoked with it", () => {
    const args = ["--format", "json", "cert", "revoke", "hospital-b", "-c", "ca"];
    const refused = cli(args);
    assert.equal(refused.json?.error_code, "PASSPHRASE_REQUIRED", refused.stdout);
    assert.ok(!existsSync(join(work, "ca", "crl.pem")));
    const locked = cli([...args, "--passphrase-file", "wrong.txt"]);
    assert.equal(locked.json?.error_code, "CA_KEY_LOCKED", locked.stdout);
    assert.ok(!existsSync(join(work, "ca", "crl.pem")));
    okData(cli([...args, "--passphrase-env", "CA_PASS"], { CA_PASS: PASS }));
    assert.match(readFileSync(join(work, "ca", "crl.pem"), "utf8"), /^-----BEGIN X509 CRL-----\n/);
  });

  test("cert key decrypt and encrypt rewrite the key in place, 0600, the same key", {
    skip: !HAVE_OPENSSL && "openssl is not installed",
  }, () => {
    const ca = join(work, "ca");
    const pubOf = () => openssl(["x509", "-in", "rootCA.pem", "-pubkey", "-noout"], ca).stdout;
    const locked = cli([
      "--format",
      "json",
      "cert",
      "key",
      "decrypt",
      "-c",
      "ca",
      "--passphrase-file",
      "wrong.txt",
    ]);
    assert.equal(locked.json?.error_code, "CA_KEY_LOCKED");
    assert.match(keyText(), /^-----BEGIN ENCRYPTED PRIVATE KEY-----/);
    const plain = okData(
      cli(["--format", "json", "cert", "key", "decrypt", "-c", "ca", "--passphrase-file", "pass.txt"]),
    );
    assert.equal(plain.encrypted, false as unknown as string);
    assert.match(keyText(), /^-----BEGIN RSA PRIVATE KEY-----\n/);
    assert.equal(statSync(join(ca, "rootCA.key")).mode & 0o777, 0o600);
    assert.equal(openssl(["pkey", "-in", "rootCA.key", "-pubout"], ca).stdout, pubOf());
    // Without a passphrase now, as NVFlare's cert approve needs it.
    assert.equal(approve("hospital-b/hospital-b.request.zip").code, 0);
    const again = cli([
      "--format",
      "json",
      "cert",
      "key",
      "decrypt",
      "-c",
      "ca",
      "--passphrase-file",
      "pass.txt",
    ]);
    assert.equal(again.json?.error_code, "INVALID_ARGS");
    assert.match(String(again.json?.message), /is not encrypted/);

    const short = cli(["--format", "json", "cert", "key", "encrypt", "-c", "ca", "--passphrase-env", "P"], {
      P: "short",
    });
    assert.equal(short.json?.error_code, "INVALID_ARGS");
    assert.match(keyText(), /^-----BEGIN RSA PRIVATE KEY-----/);
    okData(
      cli(["--format", "json", "cert", "key", "encrypt", "-c", "ca", "--passphrase-env", "P"], { P: PASS }),
    );
    assert.match(keyText(), /^-----BEGIN ENCRYPTED PRIVATE KEY-----\n/);
    assert.equal(statSync(join(ca, "rootCA.key")).mode & 0o777, 0o600);
    assert.equal(
      openssl(["pkey", "-in", "rootCA.key", "-passin", `pass:${PASS}`, "-pubout"], ca).stdout,
      pubOf(),
    );
    // Temps, backups and journals are dot-files; the ledger an earlier approval started stays.
    assert.deepEqual(
      readdirSync(ca).filter((name) => name.startsWith(".")),
      [],
      "no temp or backup left",
    );
    assert.ok(readdirSync(ca).includes("rootCA.key"));
    const twice = cli(["--format", "json", "cert", "key", "encrypt", "-c", "ca", "--passphrase-env", "P"], {
      P: PASS,
    });
    assert.match(String(twice.json?.message), /already encrypted/);
  });

  test("cert init --encrypt-key with a short passphrase writes nothing", () => {
    writeFileSync(join(work, "short.txt"), "abc\n");
    const run = cli([
      "--format",
      "json",
      "cert",
      "init",
      "--profile",
      "project_profile.yaml",
      "-o",
      "ca2",
      "--encrypt-key",
      "--passphrase-file",
      "short.txt",
    ]);
    assert.equal(run.json?.error_code, "INVALID_ARGS");
    assert.match(String(run.json?.message), /shorter than 8 characters/);
    assert.ok(!existsSync(join(work, "ca2")));
    const stray = cli([
      "--format",
      "json",
      "cert",
      "init",
      "--profile",
      "project_profile.yaml",
      "-o",
      "ca3",
      "--passphrase-file",
      "pass.txt",
    ]);
    assert.match(String(stray.json?.message), /need --encrypt-key/);
  });
});
