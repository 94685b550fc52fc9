import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { okData, runCli } from "../helpers/cli.ts";
import { makeTempDir, REPO_ROOT } from "../helpers/fixtures.ts";

const PARTICIPANTS = [
  { file: "server.yaml", name: "server1.hospital-central.org", type: "server" },
  { file: "hospital-a.yaml", name: "hospital-a", type: "client" },
  { file: "hospital-b.yaml", name: "hospital-b", type: "client" },
  { file: "alice.yaml", name: "alice@hospital-alpha.org", type: "lead" },
  { file: "bob.yaml", name: "bob@hospital-alpha.org", type: "org_admin" },
  { file: "carol.yaml", name: "carol@hospital-beta.org", type: "member" },
] as const;

function mode(path: string): number {
  return statSync(path).mode & 0o777;
}

function openssl(...args: string[]): string {
  return execFileSync("openssl", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

describe("the whole flow through the built CLI", () => {
  const { dir, cleanup } = makeTempDir("flare-e2e-");
  const work = join(dir, "work");
  const home = join(dir, "home");
  const cli = (...args: string[]) => runCli(["--format", "json", ...args], { cwd: work, home });
  let fingerprint = "";

  before(() => {
    mkdirSync(home);
    cpSync(join(REPO_ROOT, "examples", "hospital"), work, { recursive: true });
  });
  after(cleanup);

  test("cert init creates a 0700 CA folder with a 0600 key and reports the fingerprint", () => {
    const data = okData(cli("cert", "init", "--profile", "project_profile.yaml", "-o", "ca"));
    fingerprint = data.rootca_fingerprint_sha256 as string;
    assert.match(fingerprint, /^SHA256(:[0-9A-F]{2}){32}$/);
    assert.equal(data.provision_version, "00");
    assert.equal(mode(join(work, "ca")), 0o700);
    assert.equal(mode(join(work, "ca", "rootCA.key")), 0o600);
    assert.equal(mode(join(work, "ca", "ca.json")), 0o600);
    assert.equal(mode(join(work, "ca", "rootCA.pem")), 0o644);
    const fp = openssl("x509", "-in", join(work, "ca", "rootCA.pem"), "-noout", "-fingerprint", "-sha256");
    assert.equal(fp.trim().replace(/^sha256 Fingerprint=/i, "SHA256:"), fingerprint);
  });

  test("cert request writes a request folder whose zip holds no key", () => {
    for (const p of PARTICIPANTS) {
      const data = okData(cli("cert", "request", "--participant", p.file));
      const folder = join(work, p.name);
      assert.equal(data.request_zip, join(folder, `${p.name}.request.zip`));
      assert.equal(mode(folder), 0o700);
      assert.equal(mode(join(folder, `${p.name}.key`)), 0o600);
      assert.equal(mode(join(folder, "request.json")), 0o600);
      assert.equal(mode(join(folder, `${p.name}.request.zip`)), 0o600);
      const listing = execFileSync(
        "python3",
        ["-m", "zipfile", "-l", join(folder, `${p.name}.request.zip`)],
        { encoding: "utf8" },
      );
      assert.deepEqual(
        listing
          .split("\n")
          .slice(1)
          .filter(Boolean)
          .map((line) => line.split(/\s+/)[0]),
        ["request.json", "site.yaml", `${p.name}.csr`],
      );
      assert.ok(existsSync(join(home, ".nvflare", "cert_requests", data.request_id as string, "audit.json")));
    }
  });

  test("cert approve signs every request; carol's goes to --out for the remote-transfer shape", () => {
    for (const p of PARTICIPANTS) {
      const zip = `${p.name}/${p.name}.request.zip`;
      const extra = p.name.startsWith("carol") ? ["--out", `outbox/${p.name}.signed.zip`] : [];
      const data = okData(
        cli("cert", "approve", zip, "--ca-dir", "ca", "--profile", "project_profile.yaml", ...extra),
      );
      assert.equal(data.cert_type, p.type);
      assert.equal(data.rootca_fingerprint_sha256, fingerprint);
      assert.equal(mode(data.signed_zip as string), 0o600);
    }
    assert.equal(mode(join(work, "outbox")), 0o700);
  });

  test("package builds every kit; the transferred zip is packaged with --request-dir", () => {
    const inbox = join(dir, "inbox");
    mkdirSync(inbox);
    renameSync(
      join(work, "outbox", "carol@hospital-beta.org.signed.zip"),
      join(inbox, "carol@hospital-beta.org.signed.zip"),
    );
    for (const p of PARTICIPANTS) {
      const args = p.name.startsWith("carol")
        ? [join(inbox, `${p.name}.signed.zip`), "--request-dir", p.name]
        : [`${p.name}/${p.name}.signed.zip`];
      const data = okData(cli("package", ...args, "-w", "ws", "--fingerprint", fingerprint));
      const kit = join(work, "ws", "hospital_federation", "prod_00", p.name);
      assert.equal(data.output_dir, kit);
      assert.equal(data.type, p.type);
      assert.equal(data.endpoint, "grpc://server1.hospital-central.org:8002");
      const keyName = p.type === "server" ? "server.key" : "client.key";
      assert.equal(mode(join(kit, "startup", keyName)), 0o600);
      assert.deepEqual(
        readFileSync(join(kit, "startup", keyName)),
        readFileSync(join(work, p.name, `${p.name}.key`)),
      );
      assert.ok(statSync(join(kit, "transfer")).isDirectory());
    }
    const prod = readdirSync(join(work, "ws", "hospital_federation", "prod_00")).sort();
    assert.deepEqual(prod, PARTICIPANTS.map((p) => p.name).sort());
  });

  test("openssl verifies every issued certificate against the root", () => {
    for (const p of PARTICIPANTS) {
      const crt = join(work, p.name, `${p.name}.crt`);
      assert.equal(openssl("verify", "-CAfile", join(work, "ca", "rootCA.pem"), crt).trim(), `${crt}: OK`);
      const text = openssl("x509", "-in", crt, "-noout", "-text");
      assert.match(
        text,
        new RegExp(`Subject: CN = ${p.name.replace(/\./g, "\\.")}, O = \\w+, unstructuredName = ${p.type}`),
      );
      assert.match(text, /X509v3 Basic Constraints: critical\s+CA:FALSE/);
      if (p.type === "server") {
        assert.match(
          text,
          /DNS:server1\.hospital-central\.org, IP Address:10\.0\.1\.50, DNS:fl-server\.internal/,
        );
      }
      if (p.type === "client" || p.type === "server") {
        assert.match(text, /Key Usage: critical\s+Digital Signature, Key Encipherment/);
        assert.match(text, /TLS Web Client Authentication, TLS Web Server Authentication/);
      } else {
        assert.match(text, /Key Usage: critical\s+Digital Signature, Non Repudiation/);
        assert.match(text, /Extended Key Usage: \s*TLS Web Client Authentication\n/);
      }
    }
  });

  test("deploy version 01 lands in prod_01 next to prod_00", () => {
    okData(cli("cert", "init", "--profile", "project_profile.yaml", "-o", "ca01", "--deploy-version", "01"));
    okData(cli("cert", "request", "--participant", "hospital-a.yaml", "--out", "v01/hospital-a"));
    okData(
      cli(
        "cert",
        "approve",
        "v01/hospital-a/hospital-a.request.zip",
        "--ca-dir",
        "ca01",
        "--profile",
        "project_profile.yaml",
      ),
    );
    const data = okData(cli("package", "v01/hospital-a/hospital-a.signed.zip", "-w", "ws"));
    assert.equal(data.provision_version, "01");
    assert.equal(data.output_dir, join(work, "ws", "hospital_federation", "prod_01", "hospital-a"));
    assert.ok(existsSync(join(work, "ws", "hospital_federation", "prod_00", "hospital-a")));
  });
});
