import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { checkDetail, failedChecks, fixtureKitInput } from "../../../test/helpers/artifacts.ts";
import { fixedDeps } from "../../../test/helpers/deps.ts";
import { fromUtf8, utf8 } from "../bytes/encoding.ts";
import type { KitInput } from "./inspect-kit.ts";
import { inspectKitSet } from "./inspect-kit-set.ts";

const deps = fixedDeps(new Date("2027-01-01T00:00:00Z"));
const HOSPITAL = "hospital/work/workspace/hospital_federation/prod_00";
const HOSPITAL_KITS = [
  "alice@hospital-alpha.org",
  "bob@hospital-alpha.org",
  "carol@hospital-beta.org",
  "hospital-a",
  "server1.hospital-central.org",
];

const kit = (prod: string, folder: string): KitInput => fixtureKitInput(prod, folder);

describe("inspectKitSet", () => {
  test("flags the hospital's server on mtls with clients and admins on tls, naming the consequence", async () => {
    const report = await inspectKitSet(
      { folder: "prod_00", kits: HOSPITAL_KITS.map((k) => kit(HOSPITAL, k)) },
      {},
      deps,
    );
    assert.deepEqual(failedChecks(report), ["same-connection-security"]);
    assert.equal(
      checkDetail(report, "same-connection-security"),
      "server server1.hospital-central.org uses mtls but alice@hospital-alpha.org, bob@hospital-alpha.org, carol@hospital-beta.org, hospital-a use tls (a server on mtls requires client certificates and refuses tls clients and admins, which then never register or log in)",
    );
    assert.equal(report.kits?.length, 5);
    assert.ok(report.kits?.every((k) => failedChecks(k).length === 0));
    assert.deepEqual(report.facts.kits, [
      "alice@hospital-alpha.org (admin)",
      "bob@hospital-alpha.org (admin)",
      "carol@hospital-beta.org (admin)",
      "hospital-a (client)",
      "server1.hospital-central.org (server)",
    ]);
    assert.equal(report.facts.endpoint, "grpc://server1.hospital-central.org:8002");
  });

  test("passes a consistent federation (local-demo grpc-mtls)", async () => {
    const prod = "local-demo/grpc-mtls/work/workspace/local_demo/prod_00";
    const report = await inspectKitSet(
      { folder: "prod_00", kits: ["admin@example.com", "localhost", "site-1"].map((k) => kit(prod, k)) },
      {},
      deps,
    );
    assert.deepEqual(failedChecks(report), []);
    assert.equal(report.facts.project, "local_demo");
  });

  test("flags kits that carry different root CAs", async () => {
    const kits = [
      kit(HOSPITAL, "hospital-a"),
      kit("errors/work/workspace/hospital_federation/prod_00", "site-1"),
    ];
    const report = await inspectKitSet({ folder: "prod_00", kits }, {}, deps);
    assert.deepEqual(failedChecks(report), ["same-root-ca"]);
    assert.match(
      checkDetail(report, "same-root-ca"),
      /^the kits carry different root CAs, so they cannot authenticate each other: SHA256:64:9D:.* \(hospital-a\); SHA256:4D:6C:.* \(site-1\)$/,
    );
  });

  test("flags a client whose target differs from the server's endpoint", async () => {
    const client = kit(HOSPITAL, "hospital-a");
    client.startup["fed_client.json"] = utf8(
      fromUtf8(client.startup["fed_client.json"]!).replace(
        "server1.hospital-central.org:8002",
        "server1.hospital-central.org:9002",
      ),
    );
    const kits = [client, kit(HOSPITAL, "alice@hospital-alpha.org")];
    const report = await inspectKitSet({ folder: "prod_00", kits }, {}, deps);
    assert.deepEqual(failedChecks(report), []);
    const withServer = await inspectKitSet(
      { folder: "prod_00", kits: [...kits, kit(HOSPITAL, "server1.hospital-central.org")] },
      {},
      deps,
    );
    assert.ok(failedChecks(withServer).includes("same-endpoint"));
    assert.equal(
      checkDetail(withServer, "same-endpoint"),
      "FL endpoint differs: grpc://server1.hospital-central.org:9002 (hospital-a); grpc://server1.hospital-central.org:8002 (server1.hospital-central.org)",
    );
  });

  test("flags certificates that expire within 30 days", async () => {
    const late = fixedDeps(new Date("2029-11-10T00:00:00Z"));
    const report = await inspectKitSet({ folder: "prod_00", kits: [kit(HOSPITAL, "hospital-a")] }, {}, late);
    assert.deepEqual(failedChecks(report), ["expiry-window"]);
    assert.equal(
      checkDetail(report, "expiry-window"),
      "expiring within 30 days: hospital-a certificate expires 2029-11-26T15:01:34Z (16 days)",
    );
  });

  test("names mixed modes among clients when there is no server kit", async () => {
    const other = kit("local-demo/grpc-mtls/work/workspace/local_demo/prod_00", "site-1");
    const report = await inspectKitSet({ folder: "x", kits: [kit(HOSPITAL, "hospital-a"), other] }, {}, deps);
    assert.equal(
      checkDetail(report, "same-connection-security"),
      "the kits use different connection security modes: tls (hospital-a); mtls (site-1)",
    );
  });
});
