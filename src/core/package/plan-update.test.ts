import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { fixedDeps } from "../../../test/helpers/deps.ts";
import { readFixture } from "../../../test/helpers/fixtures.ts";
import { utf8 } from "../bytes/encoding.ts";
import { isFlareError } from "../errors/flare-error.ts";
import type { KitTree } from "../kit/types.ts";
import { planKitUpdate } from "./plan-update.ts";
import { verifySignedZip } from "./verify-signed-zip.ts";

const deps = fixedDeps();
const H = "hospital/work";
const KIT = [H, "workspace", "hospital_federation", "prod_00", "hospital-a"];

const tree: KitTree = {
  dirs: ["local", "startup", "transfer"],
  files: new Map([
    ["startup/client.crt", { bytes: utf8("new cert"), mode: 0o644 }],
    ["startup/client.key", { bytes: utf8("new key"), mode: 0o600 }],
    ["startup/fed_client.json", { bytes: utf8("{}"), mode: 0o644 }],
    ["local/resources.json.default", { bytes: utf8("{}"), mode: 0o644 }],
    ["readme.txt", { bytes: utf8("readme"), mode: 0o644 }],
  ]),
};

async function approvalOf(name: string, folder = name) {
  return verifySignedZip(readFixture(H, folder, `${name}.signed.zip`), { label: name }, deps);
}

const existing = (over: Partial<Parameters<typeof planKitUpdate>[1]> = {}) => ({
  path: "kit",
  certificate: { file: "startup/client.crt", bytes: readFixture(...KIT, "startup", "client.crt") },
  rootCa: readFixture(...KIT, "startup", "rootCA.pem"),
  ...over,
});

describe("planKitUpdate", () => {
  test("for the same participant and root: startup/ on its own, top files, never local/ or transfer/", async () => {
    const update = await planKitUpdate(tree, existing(), await approvalOf("hospital-a"), deps);
    assert.deepEqual([...update.startup.files.keys()], ["client.crt", "client.key", "fed_client.json"]);
    assert.equal(update.startup.files.get("client.key")?.mode, 0o600);
    assert.deepEqual([...update.topFiles.keys()], ["readme.txt"]);
    assert.match(update.replacedSerial, /^0x[0-9a-f]+$/);
  });

  test("refuses another participant, type or root with KIT_UPDATE_MISMATCH naming it", async () => {
    const mismatch = (pattern: RegExp) => (e: unknown) =>
      isFlareError(e, "KIT_UPDATE_MISMATCH") && e.exitCode === 4 && pattern.test(e.message);
    // carol's approval against hospital-a's kit: name, org and type all differ.
    await assert.rejects(
      planKitUpdate(tree, existing(), await approvalOf("carol@hospital-beta.org", "signed"), deps),
      mismatch(
        /the participant is 'hospital-a' in the kit, 'carol@hospital-beta\.org'.*the organization.*the certificate type is 'client' in the kit, 'member'/,
      ),
    );
    const server = await approvalOf("server1.hospital-central.org");
    await assert.rejects(
      planKitUpdate(tree, existing(), server, deps),
      mismatch(/holds startup\/client\.crt, the signed zip is for a server/),
    );
    const otherRoot = existing({ rootCa: readFixture("errors/work/ca/rootCA.pem") });
    await assert.rejects(
      planKitUpdate(tree, otherRoot, await approvalOf("hospital-a"), deps),
      mismatch(/the root CA is SHA256:4D:6C/),
    );
  });

  test("a folder without the certificate or root is KIT_INVALID", async () => {
    await assert.rejects(
      planKitUpdate(tree, existing({ rootCa: undefined }), await approvalOf("hospital-a"), deps),
      (e) => isFlareError(e, "KIT_INVALID") && /has no startup\/rootCA\.pem/.test(e.message),
    );
    await assert.rejects(
      planKitUpdate(tree, existing({ certificate: undefined }), await approvalOf("hospital-a"), deps),
      (e) => isFlareError(e, "KIT_INVALID") && /has no startup\/client\.crt/.test(e.message),
    );
  });
});
