import assert from "node:assert/strict";
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { okData, runCli } from "../helpers/cli.ts";
import { fixturePath, makeTempDir, REPO_ROOT } from "../helpers/fixtures.ts";
import { opensslCa, opensslCrl } from "../helpers/openssl-crl.ts";

const PROD = "hospital/work/workspace/hospital_federation/prod_00";
const CA = fixturePath("hospital/work/ca");
const caCert = readFileSync(join(CA, "rootCA.pem"), "utf8");
const caKey = readFileSync(join(CA, "rootCA.key"), "utf8");
// Valid at the CLI's pinned clock (test/helpers/cli.ts: the fixtures' time).
const lastUpdate = new Date("2026-11-27T15:00:00Z");
const nextUpdate = new Date("2026-12-04T15:00:00Z");

describe("nvflare kit crl install", () => {
  const { dir, cleanup } = makeTempDir("flare-kit-crl-");
  after(cleanup);
  const cli = (...args: string[]) => runCli(args, { cwd: dir, home: dir });
  let kit: string;
  let n = 0;

  /** A fresh writable copy of a reference kit. */
  function copyKit(name: string): string {
    const dest = join(dir, `kit-${n++}-${name}`);
    cpSync(fixturePath(PROD, name), dest, { recursive: true });
    const writable = (path: string) => {
      chmodSync(path, statSync(path).isDirectory() ? 0o755 : 0o644);
      if (statSync(path).isDirectory()) for (const entry of readdirSync(path)) writable(join(path, entry));
    };
    writable(dest);
    return dest;
  }

  function writeCrl(name: string, crlNumber: number, serials: string[], ca = { cert: caCert, key: caKey }) {
    const path = join(dir, name);
    const revoked = serials.map((serial) => ({ serial, reason: "keyCompromise" }));
    writeFileSync(
      path,
      opensslCrl({ caCert: ca.cert, caKey: ca.key, crlNumber, revoked, lastUpdate, nextUpdate }),
    );
    return path;
  }

  before(() => {
    kit = copyKit("server1.hospital-central.org");
    writeCrl("crl-1.pem", 1, ["51"]);
    writeCrl("crl-2.pem", 2, ["51", "52"]);
  });

  test("installs the CRL, the guard and its drop-in into a server kit, leaving resources.json alone", () => {
    const defaults = readFileSync(join(kit, "local/resources.json.default"));
    const run = cli("kit", "crl", "install", "crl-1.pem", kit);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stderr, "");
    assert.match(
      run.stdout,
      /^kit_dir: .*\ncrl_file: .*local\/custom\/flare_provision_crl\.pem\ncrl_number: 1\n/,
    );
    assert.match(run.stdout, /\nprevious_crl_number: None\nissuer: CN = hospital_federation\n/);
    assert.match(
      run.stdout,
      /\nthis_update: 2026-11-27T15:00:00Z\nnext_update: 2026-12-04T15:00:00Z\nrevoked: 1\n/,
    );
    assert.match(run.stdout, /\nchanged: component, crl, resources\nrestart_needed: True\n/);
    assert.deepEqual(readFileSync(join(kit, "local/resources.json.default")), defaults);
    assert.equal(existsSync(join(kit, "local/resources.json")), false);
    assert.deepEqual(
      readFileSync(join(kit, "local/custom/flare_provision_revocation.py")),
      readFileSync(join(REPO_ROOT, "python/flare_provision_revocation.py")),
    );
    assert.match(
      readFileSync(join(kit, "local/custom/flare_provision_crl.pem"), "utf8"),
      /^-----BEGIN X509 CRL-----\n/,
    );
    const dropIn = JSON.parse(
      readFileSync(join(kit, "local/flare_provision_revocation__p_resources.json"), "utf8"),
    );
    assert.equal(dropIn.components[0].path, "flare_provision_revocation.RevocationGuard");
    for (const file of [
      "local/custom/flare_provision_crl.pem",
      "local/flare_provision_revocation__p_resources.json",
    ])
      assert.equal(statSync(join(kit, file)).mode & 0o777, 0o644);
  });

  test("installing the same CRL again changes nothing", () => {
    const data = okData(cli("--format", "json", "kit", "crl", "install", "crl-1.pem", kit));
    assert.equal(data.changed, "nothing");
    assert.equal(data.previous_crl_number, "1");
  });

  test("a newer CRL replaces only the CRL; an older one is refused unless --force", () => {
    const newer = okData(cli("--format", "json", "kit", "crl", "install", "crl-2.pem", kit));
    assert.equal(newer.changed, "crl");
    assert.equal(newer.crl_number, "2");
    assert.equal((newer as Record<string, unknown>).restart_needed, false);
    const installed = readFileSync(join(kit, "local/custom/flare_provision_crl.pem"));
    const older = cli("kit", "crl", "install", "crl-1.pem", kit);
    assert.equal(older.code, 4);
    assert.equal(older.stdout, "");
    assert.equal(
      older.stderr,
      `Refusing to replace ${kit}/local/custom/flare_provision_crl.pem with crl-1.pem: its CRL number 1 is lower than the installed CRL's 2.\nHint: Install the newest CRL; pass --force only to roll back on purpose.\nCode: CRL_OUTDATED (exit 4)\n`,
    );
    assert.deepEqual(readFileSync(join(kit, "local/custom/flare_provision_crl.pem")), installed);
    const forced = cli("kit", "crl", "install", "crl-1.pem", kit, "--force");
    assert.equal(forced.code, 0);
    assert.match(forced.stdout, /^Warning: installing crl-1\.pem although its CRL number 1 is lower/);
  });

  test("a CRL of another CA is refused and nothing is written", () => {
    const fresh = copyKit("server1.hospital-central.org");
    const other = opensslCa("/CN=other_federation");
    writeCrl("other.pem", 1, ["51"], other);
    const run = cli("--format", "json", "kit", "crl", "install", "other.pem", fresh);
    assert.equal(run.code, 4);
    assert.equal(run.json?.error_code, "CRL_ISSUER_MISMATCH");
    assert.equal(existsSync(join(fresh, "local/custom")), false);
    assert.equal(existsSync(join(fresh, "local/flare_provision_revocation__p_resources.json")), false);
  });

  test("refuses a client kit, a folder that is no kit, a missing kit and a missing CRL", () => {
    const client = copyKit("hospital-a");
    const cases: [string[], string, number][] = [
      [["crl-1.pem", client], "KIT_NOT_SERVER", 4],
      [["crl-1.pem", dir], "KIT_INVALID", 4],
      [["crl-1.pem", join(dir, "nowhere")], "KIT_NOT_FOUND", 1],
      [["missing.pem", kit], "CRL_NOT_FOUND", 1],
      [[join(kit, "startup/rootCA.pem"), kit], "CRL_INVALID", 4],
    ];
    for (const [args, code, exit] of cases) {
      const run = cli("--format", "json", "kit", "crl", "install", ...args);
      assert.equal(run.json?.error_code, code, `${args.join(" ")}: ${run.stdout}`);
      assert.equal(run.code, exit);
    }
    assert.equal(existsSync(join(client, "local/custom")), false);
  });

  test("a folder where the drop-in belongs is refused before anything is written", () => {
    const fresh = copyKit("server1.hospital-central.org");
    mkdirSync(join(fresh, "local/flare_provision_revocation__p_resources.json"));
    const run = cli("--format", "json", "kit", "crl", "install", "crl-1.pem", fresh);
    assert.equal(run.json?.error_code, "KIT_INVALID");
    assert.equal(existsSync(join(fresh, "local/custom")), false);
  });

  test("-h explains the command with examples and exit codes", () => {
    const run = cli("kit", "crl", "install", "-h");
    assert.equal(run.code, 0);
    assert.match(
      run.stdout,
      /^usage: flare-provision kit crl install CRL KIT_DIR \[--force\] \[--schema\]\n/,
    );
    assert.match(run.stdout, /examples:\n {2}flare-provision kit crl install /);
    assert.match(run.stdout, /exit codes:/);
    assert.match(
      cli("-h").stdout,
      /\n {2}kit crl install {7}install a CRL and the revocation guard into a server kit\n/,
    );
  });
});
