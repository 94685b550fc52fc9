import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { fixedDeps } from "../../../test/helpers/deps.ts";
import { readFixture } from "../../../test/helpers/fixtures.ts";
import { opensslCrl } from "../../../test/helpers/openssl-crl.ts";
import { fromUtf8, utf8 } from "../bytes/encoding.ts";
import { KIT_CRL_FILE, KIT_GUARD_MODULE, KIT_GUARD_RESOURCES, renderGuardResources } from "./kit-layout.ts";
import { type KitCrlState, planCrlInstall } from "./plan-crl-install.ts";

const caCert = fromUtf8(readFixture("hospital/work/ca", "rootCA.pem"));
const caKey = fromUtf8(readFixture("hospital/work/ca", "rootCA.key"));
const deps = fixedDeps(new Date("2026-11-28T12:00:00Z"));
const guardModule = utf8("# guard module\n");
const crlOf = (crlNumber: number, serials: string[] = []) =>
  opensslCrl({
    caCert,
    caKey,
    crlNumber,
    lastUpdate: new Date("2026-11-27T15:00:00Z"),
    nextUpdate: new Date("2026-12-04T15:00:00Z"),
    revoked: serials.map((serial) => ({ serial })),
  });
const serverKit = (extra: Partial<KitCrlState> = {}): KitCrlState => ({
  label: "kit",
  fedServer: true,
  fedClient: false,
  fedAdmin: false,
  rootCaPem: utf8(caCert),
  ...extra,
});
const plan = (crlBytes: Uint8Array, kit: KitCrlState, force = false) =>
  planCrlInstall({ crlBytes, crlLabel: "crl.pem", kit, guardModule, force }, deps);
const code = (expected: string) => (error: Error & { code?: string }) => error.code === expected;

describe("planCrlInstall", () => {
  test("a first install writes the guard and the CRL, then the drop-in that activates the guard", async () => {
    const result = await plan(crlOf(1, ["51"]), serverKit());
    assert.deepEqual(
      result.customFiles.map((f) => f.path),
      [KIT_GUARD_MODULE, KIT_CRL_FILE],
    );
    assert.equal(result.resourcesFile?.path, KIT_GUARD_RESOURCES);
    assert.deepEqual(result.changed, ["component", "crl", "resources"]);
    assert.equal(result.restartNeeded, true);
    assert.equal(
      fromUtf8(renderGuardResources()),
      `{
    "components": [
        {
            "id": "flare_provision_revocation_guard",
            "path": "flare_provision_revocation.RevocationGuard",
            "args": {
                "crl_file": "local/custom/flare_provision_crl.pem",
                "root_ca_file": "startup/rootCA.pem"
            }
        }
    ]
}
`,
    );
  });

  test("installing the CRL that is already there changes nothing", async () => {
    const crl = crlOf(1, ["51"]);
    const kit = serverKit({
      installedCrl: crl,
      installedModule: guardModule,
      installedResources: renderGuardResources(),
    });
    const result = await plan(crl, kit);
    assert.deepEqual(result.changed, []);
    assert.equal(result.previousCrlNumber, 1n);
  });

  test("a newer CRL replaces only the CRL, without a server restart", async () => {
    const kit = serverKit({
      installedCrl: crlOf(1, ["51"]),
      installedModule: guardModule,
      installedResources: renderGuardResources(),
    });
    const result = await plan(crlOf(2, ["51", "52"]), kit);
    assert.deepEqual(result.changed, ["crl"]);
    assert.equal(result.restartNeeded, false);
    assert.equal(result.resourcesFile, undefined);
  });

  test("an older CRL, or another CRL with the same number, is refused unless forced", async () => {
    const kit = serverKit({ installedCrl: crlOf(5), installedModule: guardModule });
    await assert.rejects(plan(crlOf(4), kit), (error: Error & { code?: string }) => {
      assert.equal(error.code, "CRL_OUTDATED");
      assert.equal(
        error.message,
        `Refusing to replace kit/${KIT_CRL_FILE} with crl.pem: its CRL number 4 is lower than the installed CRL's 5.`,
      );
      return true;
    });
    await assert.rejects(
      plan(crlOf(5, ["51"]), kit),
      /same CRL number 5 as the installed CRL but other contents/,
    );
    const forced = await plan(crlOf(4), kit, true);
    assert.match(forced.warnings[0] ?? "", /because of --force/);
    assert.deepEqual(forced.changed, ["crl", "resources"]);
  });

  test("refuses client, admin and non-kit folders", async () => {
    await assert.rejects(
      plan(crlOf(1), serverKit({ fedServer: false, fedClient: true })),
      code("KIT_NOT_SERVER"),
    );
    await assert.rejects(plan(crlOf(1), serverKit({ fedServer: false, fedAdmin: true })), {
      message: "kit is an admin kit; a CRL is enforced by the server only.",
    });
    await assert.rejects(plan(crlOf(1), serverKit({ fedServer: false })), code("KIT_INVALID"));
    await assert.rejects(plan(crlOf(1), serverKit({ rootCaPem: undefined })), code("ROOTCA_LOAD_FAILED"));
    await assert.rejects(plan(utf8("junk"), serverKit()), code("CRL_INVALID"));
  });

  test("an unreadable installed CRL is kept unless forced", async () => {
    const kit = serverKit({ installedCrl: utf8("not a crl") });
    await assert.rejects(plan(crlOf(1), kit), /The CRL installed in the kit cannot be read/);
    assert.deepEqual((await plan(crlOf(1), kit, true)).changed, ["component", "crl", "resources"]);
  });

  test("a resources.json that lists the guard by hand gets no drop-in", async () => {
    const listing = utf8(
      JSON.stringify({ components: [{ id: "guard", path: "flare_provision_revocation.RevocationGuard" }] }),
    );
    const result = await plan(crlOf(1), serverKit({ resourcesJson: listing }));
    assert.equal(result.listedIn, "local/resources.json");
    assert.equal(result.resourcesFile, undefined);
    // NVFlare reads resources.json when it exists, so a listing only in the .default does not count.
    const shadowed = await plan(
      crlOf(1),
      serverKit({ resourcesJson: utf8('{"components": []}'), resourcesJsonDefault: listing }),
    );
    assert.equal(shadowed.listedIn, KIT_GUARD_RESOURCES);
  });
});
