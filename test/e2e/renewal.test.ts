import assert from "node:assert/strict";
import { cpSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { okData, runCli } from "../helpers/cli.ts";
import { makeTempDir, REPO_ROOT } from "../helpers/fixtures.ts";

type Data = Record<string, unknown>;

describe("renewal: a new certificate into the same kit, keeping the site's settings", () => {
  const { dir, cleanup } = makeTempDir("flare-renew-");
  const work = join(dir, "work");
  const home = join(dir, "home");
  const kit = join(work, "workspace", "hospital_federation", "prod_00", "hospital-a");
  const cli = (args: string[], env: Record<string, string> = {}) =>
    runCli(["--format", "json", ...args], { cwd: work, home, env });
  const ok = (args: string[], env: Record<string, string> = {}) => okData(cli(args, env)) as unknown as Data;
  const approve = (zip: string, ...extra: string[]) =>
    ok(["cert", "approve", zip, "-c", "ca", "--profile", "project_profile.yaml", ...extra]);
  let fingerprint = "";
  const read = (path: string) => readFileSync(path, "utf8");
  const EDITED = '{"format_version": 2, "edited_by": "the site"}\n';

  before(() => {
    mkdirSync(home);
    cpSync(join(REPO_ROOT, "examples", "hospital"), work, { recursive: true });
    fingerprint = ok(["cert", "init", "--profile", "project_profile.yaml", "-o", "ca"])
      .rootca_fingerprint_sha256 as string;
    ok(["cert", "request", "-p", "hospital-a.yaml"]);
    approve("hospital-a/hospital-a.request.zip");
    ok(["package", "hospital-a/hospital-a.signed.zip", "--fingerprint", fingerprint]);
    // The site's own edits: a resources.json and a job in transfer/.
    writeFileSync(join(kit, "local", "resources.json"), EDITED);
    writeFileSync(join(kit, "transfer", "job.txt"), "a job\n");
  });
  after(cleanup);

  test("a renewal with a new key: approval names the old certificate, package --update keeps local/ and transfer/", () => {
    const oldCert = read(join(kit, "startup", "client.crt"));
    const oldKey = read(join(kit, "startup", "client.key"));
    const oldSerial = ok(["cert", "inspect", join(kit, "startup", "client.crt")]).facts as Data;
    const request = ok(["cert", "request", "-p", "hospital-a.yaml", "--force"]);
    const approval = approve("hospital-a/hospital-a.request.zip", "--force");
    assert.equal(approval.renews_serial, oldSerial.serial);
    assert.match(String(approval.renews_valid_until), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const updated = ok([
      "package",
      "hospital-a/hospital-a.signed.zip",
      "--update",
      "--fingerprint",
      fingerprint,
    ]);
    assert.equal(updated.updated, true);
    assert.equal(updated.replaced_serial, oldSerial.serial);
    assert.notEqual(read(join(kit, "startup", "client.crt")), oldCert);
    assert.notEqual(read(join(kit, "startup", "client.key")), oldKey);
    assert.equal(read(join(kit, "startup", "client.key")), read(join(work, "hospital-a", "hospital-a.key")));
    assert.equal(read(join(kit, "local", "resources.json")), EDITED);
    assert.equal(read(join(kit, "transfer", "job.txt")), "a job\n");
    assert.ok(read(join(kit, "local", "resources.json.default")).length > 0);
    const inspect = ok(["cert", "inspect", kit]);
    // Every check of the updated kit passes (okData needs exit 0), with the new certificate.
    assert.notEqual((inspect.facts as Data).serial, oldSerial.serial);
    assert.equal(request.name, "hospital-a");
  });

  test("--reuse-key renews with the same key, the key file untouched", () => {
    const keyBefore = read(join(work, "hospital-a", "hospital-a.key"));
    ok(["cert", "request", "-p", "hospital-a.yaml", "--reuse-key"]);
    assert.equal(read(join(work, "hospital-a", "hospital-a.key")), keyBefore);
    approve("hospital-a/hospital-a.request.zip", "--force");
    ok(["package", "hospital-a/hospital-a.signed.zip", "--update", "--fingerprint", fingerprint]);
    assert.equal(read(join(kit, "startup", "client.key")), keyBefore);
    assert.equal(read(join(kit, "local", "resources.json")), EDITED);
  });

  test("an update for another org, without a kit, or with --force is refused and writes nothing", () => {
    writeFileSync(
      join(work, "hospital-a-other.yaml"),
      "name: hospital_federation\nparticipants:\n  - name: hospital-a\n    type: client\n    org: other_org\n",
    );
    ok(["cert", "request", "-p", "hospital-a-other.yaml", "--out", "other"]);
    approve("other/hospital-a.request.zip");
    const cert = read(join(kit, "startup", "client.crt"));
    const run = cli([
      "package",
      "other/hospital-a.signed.zip",
      "--request-dir",
      "other",
      "--update",
      "--fingerprint",
      fingerprint,
    ]);
    assert.equal(run.code, 4, run.stdout);
    assert.equal(run.json?.error_code, "KIT_UPDATE_MISMATCH");
    assert.match(
      String(run.json?.message),
      /the organization is 'hospital_alpha' in the kit, 'other_org' in the signed zip/,
    );
    assert.equal(read(join(kit, "startup", "client.crt")), cert);
    const noKit = cli([
      "package",
      "other/hospital-a.signed.zip",
      "--request-dir",
      "other",
      "--update",
      "-w",
      "ws2",
      "--fingerprint",
      fingerprint,
    ]);
    assert.equal(noKit.json?.error_code, "KIT_NOT_FOUND");
    const both = cli(["package", "hospital-a/hospital-a.signed.zip", "--update", "--force"]);
    assert.equal(both.json?.error_code, "INVALID_ARGS");
  });

  test("cert inspect of the kit says what to run once the certificate is close to expiry", () => {
    const now = ok(["cert", "inspect", kit]).facts as Data;
    assert.equal(now.renewal, undefined);
    const late = ok(["cert", "inspect", kit], { FLARE_PROVISION_NOW: "2029-11-10T00:00:00Z" }).facts as Data;
    assert.ok(Number(late.days_left) < 30);
    assert.match(
      String(late.renewal),
      /expires in \d+ days: renew with 'nvflare cert request -p <participant file> --force'.*'nvflare package hospital-a\.signed\.zip --update'/,
    );
  });
});
