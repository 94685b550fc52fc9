import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { before, describe, test } from "node:test";
import { fixedDeps } from "../../../test/helpers/deps.ts";
import { REPO_ROOT } from "../../../test/helpers/fixtures.ts";
import { approveRequest } from "../approval/approve-request.ts";
import { fromUtf8, utf8 } from "../bytes/encoding.ts";
import { type CaFolderPlan, planCaFolder } from "../ca/plan-ca-folder.ts";
import { FlareError } from "../errors/flare-error.ts";
import { parseYamlMapping } from "../inputs/structured.ts";
import { parseParticipantDefinition } from "../participant/parse-participant.ts";
import { buildRequest, type RequestBundle } from "../request/build-request.ts";
import { requestFolderFiles } from "../request/request-folder.ts";
import { type PackageInput, planPackage, type RequestFolderInput } from "./plan-package.ts";

const deps = fixedDeps();
const example = (name: string) => new Uint8Array(readFileSync(join(REPO_ROOT, "examples", "hospital", name)));

async function request(file: string): Promise<RequestBundle> {
  const definition = parseParticipantDefinition(parseYamlMapping(example(file), file), file);
  return buildRequest(definition, deps);
}

function folderOf(bundle: RequestBundle, drop: string[] = []): RequestFolderInput {
  const files = new Map(requestFolderFiles(bundle).map((f) => [f.name, f.bytes]));
  for (const name of drop) files.delete(name);
  return { label: bundle.name, files };
}

async function rejects(promise: Promise<unknown>, code: string, message?: string, hint?: string) {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof FlareError, String(error));
    assert.equal(error.code, code);
    if (message !== undefined) assert.equal(error.message, message);
    if (hint !== undefined) assert.equal(error.hint, hint);
    return true;
  });
}

describe("planPackage: cert init, request, approve and package in memory", () => {
  let ca: CaFolderPlan;
  let site: RequestBundle;
  let other: RequestBundle;
  let signed: Uint8Array;
  const input = (overrides: Partial<PackageInput> = {}): PackageInput => ({
    signedZip: { name: "hospital-a.signed.zip", bytes: signed },
    fingerprint: ca.fingerprint,
    requestFolder: folderOf(site),
    ...overrides,
  });

  before(async () => {
    ca = await planCaFolder(
      {
        profile: { path: "project_profile.yaml", bytes: example("project_profile.yaml") },
        validDays: 3650,
        deployVersion: "00",
      },
      deps,
    );
    site = await request("hospital-a.yaml");
    other = await request("hospital-a.yaml");
    const file = (name: string) => ({
      path: `ca/${name}`,
      bytes: ca.files.find((f) => f.name === name)?.bytes,
    });
    const approval = await approveRequest(
      {
        requestZip: site.requestZip,
        caDir: "ca",
        caJson: file("ca.json"),
        rootCaPem: file("rootCA.pem"),
        rootCaKey: file("rootCA.key"),
        profile: { path: "project_profile.yaml", bytes: example("project_profile.yaml") },
        validDays: 1095,
      },
      deps,
    );
    signed = approval.signedZip;
  });

  test("renders the kit under <project>/prod_<NN>/<name> with the key 0600 and scripts 0755", async () => {
    const plan = await planPackage(input(), deps);
    assert.equal(plan.kitPath, "hospital_federation/prod_00/hospital-a");
    assert.deepEqual(plan.warnings, []);
    assert.equal(plan.tree.files.get("startup/client.key")?.mode, 0o600);
    assert.equal(fromUtf8(plan.tree.files.get("startup/client.key")?.bytes as Uint8Array), site.keyPem);
    assert.equal(plan.tree.files.get("startup/start.sh")?.mode, 0o755);
    assert.deepEqual(
      plan.requestFolderCopies.map((f) => f.name),
      ["signed.json", "hospital-a.crt", "rootCA.pem"],
    );
  });

  /** The request folder with a builders block added to its site.yaml (and extra files). */
  const withBuilders = (block: string, extra: [string, Uint8Array][] = []): RequestFolderInput => {
    const folder = folderOf(site);
    const files = new Map(folder.files);
    files.set("site.yaml", utf8(`${fromUtf8(files.get("site.yaml") as Uint8Array)}builders:\n${block}`));
    for (const [name, bytes] of extra) files.set(name, bytes);
    return { label: folder.label, files };
  };

  test("plans DockerBuilder's files for prod_<NN>, requirements from the request folder", async () => {
    const plan = await planPackage(
      input({
        requestFolder: withBuilders(
          "- path: nvflare.lighter.impl.docker.DockerBuilder\n  args: {requirements_file: req.txt}\n",
          [["req.txt", utf8("monai\n")]],
        ),
      }),
      deps,
    );
    assert.deepEqual(
      [...plan.prodFiles.keys()],
      [".env", "compose.yaml", "nvflare_compose/Dockerfile", "nvflare_compose/requirements.txt"],
    );
    assert.equal(
      fromUtf8(plan.prodFiles.get("nvflare_compose/requirements.txt")?.bytes as Uint8Array),
      "monai\n",
    );
    assert.match(fromUtf8(plan.prodFiles.get("compose.yaml")?.bytes as Uint8Array), /^ {2}hospital-a:$/m);
  });

  test("refuses builders only NVFlare's Python can run, saying how to run them", async () => {
    await assert.rejects(
      planPackage(
        input({ requestFolder: withBuilders("- path: nvflare.lighter.impl.aws.AWSBuilder\n") }),
        deps,
      ),
      (error: unknown) =>
        error instanceof FlareError &&
        error.code === "LOCAL_SITE_INVALID" &&
        error.message.includes("Can't load class nvflare.lighter.impl.aws.AWSBuilder") &&
        /command line with a Python that can import nvflare/.test(error.hint),
    );
  });

  test("warns as package does when no fingerprint was given", async () => {
    const plan = await planPackage(input({ fingerprint: undefined }), deps);
    assert.deepEqual(plan.warnings, [
      "Warning: Root CA SHA256 fingerprint was not verified. Use --fingerprint to verify it out-of-band.",
    ]);
  });

  test("refuses a file not named .signed.zip", async () => {
    await rejects(
      planPackage(input({ signedZip: { name: "hospital-a.zip", bytes: signed } }), deps),
      "INVALID_ARGS",
      "Unsupported package input: hospital-a.zip.",
    );
  });

  test("refuses a wrong fingerprint before looking at the request folder", async () => {
    const wrong = `SHA256:${"AB:".repeat(31)}AB`;
    await rejects(
      planPackage(input({ fingerprint: wrong, requestFolder: undefined }), deps),
      "ROOTCA_FINGERPRINT_MISMATCH",
    );
  });

  test("needs a request folder, with the key and request.json", async () => {
    await rejects(planPackage(input({ requestFolder: undefined }), deps), "REQUEST_DIR_NOT_FOUND");
    await rejects(
      planPackage(input({ requestFolder: folderOf(site, ["hospital-a.key", "request.json"]) }), deps),
      "REQUEST_DIR_INCOMPLETE",
      undefined,
      "Expected file(s): hospital-a.key, request.json.",
    );
  });

  test("refuses the folder of another request for the same participant", async () => {
    await rejects(
      planPackage(input({ requestFolder: folderOf(other) }), deps),
      "REQUEST_DIR_MISMATCH",
      `The specified --request-dir does not match the signed zip request_id. \u2014 hospital-a/request.json has request_id '${other.requestId}'; the signed zip has '${site.requestId}'`,
    );
  });

  test("refuses a key that is not the certificate's", async () => {
    const files = new Map(folderOf(site).files);
    files.set("hospital-a.key", utf8(other.keyPem));
    await rejects(
      planPackage(input({ requestFolder: { label: "hospital-a", files } }), deps),
      "KEY_CERT_MISMATCH",
    );
  });
});

describe("planCaFolder", () => {
  test("returns the three CA files with cert init's modes and the project from the profile", async () => {
    const plan = await planCaFolder(
      { profile: { path: "p.yaml", bytes: utf8("name: demo\n") }, validDays: 10, deployVersion: "03" },
      deps,
    );
    assert.equal(plan.project, "demo");
    assert.equal(plan.provisionVersion, "03");
    assert.match(plan.fingerprint, /^SHA256(:[0-9A-F]{2}){32}$/);
    assert.deepEqual(
      plan.files.map((f) => [f.name, f.mode]),
      [
        ["rootCA.key", 0o600],
        ["rootCA.pem", 0o644],
        ["ca.json", 0o600],
      ],
    );
    const caJson = JSON.parse(fromUtf8(plan.files[2]?.bytes as Uint8Array));
    assert.equal(caJson.provision_version, "03");
    assert.equal(caJson.project_profile, "p.yaml");
  });

  test("refuses what cert init refuses, with its codes and messages", async () => {
    const profile = { path: "p.yaml", bytes: utf8("name: demo\n") };
    await rejects(
      planCaFolder({ profile, validDays: 0, deployVersion: "00" }, deps),
      "INVALID_ARGS",
      "Invalid arguments. \u2014 argument --valid-days: value must be >= 1",
    );
    await rejects(
      planCaFolder({ profile, validDays: 1, deployVersion: "1" }, deps),
      "INVALID_ARGS",
      "Invalid arguments. \u2014 argument --deploy-version: version must be exactly two digits, for example 00",
    );
    await rejects(
      planCaFolder(
        { profile: { path: "p.yaml", bytes: utf8("scheme: grpc\n") }, validDays: 1, deployVersion: "00" },
        deps,
      ),
      "INVALID_ARGS",
      "Invalid arguments. \u2014 project profile missing required field: name",
    );
    await rejects(
      planCaFolder(
        { profile: { path: "p.yaml", bytes: utf8("name: -bad\n") }, validDays: 1, deployVersion: "00" },
        deps,
      ),
      "INVALID_PROJECT_NAME",
    );
  });
});
