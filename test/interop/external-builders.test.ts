import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { hostToken } from "../../src/node/writer-id.ts";
import type { CliRun } from "../helpers/cli.ts";
import { fixturePath, makeTempDir, REPO_ROOT } from "../helpers/fixtures.ts";
import { dockerfileInstructions, referenceDockerfile, withheldFiles } from "../helpers/golden.ts";
import { fixtureKitListing } from "../helpers/kit-inputs.ts";
import {
  assertUnchanged,
  cliIn,
  copyFixtureScenario,
  kitListing,
  loggedSteps,
  normalizePaths,
  type ScenarioCopy,
  sha256Hex,
  snapshotTree,
  step,
  undoSteps,
} from "./helpers.ts";

// Builders flare-provision does not implement (AWSBuilder, AzureBuilder, a site's own class) run
// through the requester's Python with NVFlare, by python/flare_provision_builders.py, over the
// kit planned here. NVFlare is not installed where these tests run, so they use the stand-in
// classes in test/python/nvflare_stub (its AWSBuilder and AzureBuilder write placeholder
// scripts where NVFlare's write the real ones) and the made-up site's builders of
// test/python/site_builders, some of them hostile. Every failure must write nothing.

const SCENARIO = "builders";
const PROD = "workspace/hospital_federation/prod_00";
const steps = loggedSteps(SCENARIO);
const full = step(steps, "12-");
const missing = step(steps, "13-");
const STUB = join(REPO_ROOT, "test", "python", "nvflare_stub");
const SITE_BUILDERS = join(REPO_ROOT, "test", "python", "site_builders");
const PYTHONPATH = `${STUB}:${SITE_BUILDERS}`;
const withPython = { FLARE_PROVISION_PYTHON: "python3", PYTHONPATH, PYTHONDONTWRITEBYTECODE: "1" };

describe("builders that need NVFlare, run through the requester's Python", () => {
  const temp = makeTempDir("flare-external-builders-");
  let copy: ScenarioCopy;
  let emptyBin = "";

  before(() => {
    copy = copyFixtureScenario(SCENARIO, join(temp.dir, "builders"), "empty");
    undoSteps(
      copy,
      steps.filter((s) => s.argv[0] === "package").flatMap((s) => s.changes),
    );
    emptyBin = join(temp.dir, "empty-bin");
    mkdirSync(emptyBin);
  });
  after(temp.cleanup);

  const run = (argv: string[], env: Record<string, string> = withPython): CliRun => cliIn(copy, argv, env);

  /** Runs a package that must fail and checks that it changed nothing in the scenario copy. */
  const failing = (argv: string[], env?: Record<string, string>): CliRun => {
    const before = snapshotTree(copy.root);
    const result = run(argv, env);
    assertUnchanged(before, snapshotTree(copy.root), argv.join(" "));
    return result;
  };

  /** The default variant's site-b (no builders) with the given builders block. */
  const defaultWith = (builders: unknown[]) => {
    const path = join(copy.work, "default/site-b/site.yaml");
    const site = parseYaml(readFileSync(path, "utf8")) as Record<string, unknown>;
    site.builders = builders;
    writeFileSync(path, stringifyYaml(site));
    return step(steps, "10-").argv;
  };

  test("without a Python that has nvflare: a coded error naming the builders and how to give one, nothing written", () => {
    const result = failing(full.argv, { PATH: emptyBin });
    assert.equal(result.code, 4, result.stderr);
    const [message, hint, code] = result.stderr.split("\n");
    assert.equal(
      message,
      "nvflare.lighter.impl.aws.AWSBuilder, nvflare.lighter.impl.azure.AzureBuilder need NVFlare's Python, and none was found. \u2014 python3 on PATH: not found",
    );
    assert.match(hint as string, /--python PATH or FLARE_PROVISION_PYTHON/);
    assert.equal(code, "Code: BUILDER_PYTHON_NOT_FOUND (exit 4)");

    const named = failing(["--format", "json", ...full.argv, "--python", join(emptyBin, "python3")]);
    assert.equal(named.json?.error_code, "BUILDER_PYTHON_NOT_FOUND");
    assert.match(String(named.json?.message), /python3 \(--python\): not found$/);

    // A python3 without nvflare is no Python for builders either.
    const plain = failing(full.argv, { PATH: process.env.PATH ?? "", PYTHONPATH: SITE_BUILDERS });
    assert.equal(plain.code, 4);
    assert.match(
      plain.stderr,
      /python3 on PATH: cannot import NVFlare \(ModuleNotFoundError: No module named 'nvflare'\)/,
    );
  });

  test("a class NVFlare cannot load is LOCAL_SITE_INVALID with the reference's own message, nothing written", () => {
    const result = failing(missing.argv);
    assert.equal(result.code, 4, result.stderr);
    const reference = readFileSync(fixturePath(SCENARIO, "logs", `${missing.id}.stderr`), "utf8").split("\n");
    assert.equal(result.stderr.split("\n")[0], reference[0]);
    assert.equal(
      reference[0],
      "Invalid local participant definition: Can't load class com.example.CustomAuditBuilder: No module named 'com'",
    );
    assert.match(result.stderr, /\nCode: LOCAL_SITE_INVALID \(exit 4\)\n$/);
  });

  test("the full-builders participant packages into the reference's prod_00 tree, AWS and Azure scripts from the builders", () => {
    const result = run(full.argv);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(
      normalizePaths(result.stdout, copy),
      readFileSync(fixturePath(SCENARIO, "logs", `${full.id}.stdout`), "utf8"),
    );
    const refProd = `${SCENARIO}/work/full/${PROD}`;
    const ourProd = join(copy.work, "full", PROD);
    const expected = fixtureKitListing(refProd);
    const actual = kitListing(ourProd);
    assert.deepEqual(new Map([...actual.files].sort()), new Map([...expected.files].sort()));
    assert.deepEqual(actual.dirs, expected.dirs);
    assert.equal(expected.files.get("site-b/startup/aws_start.sh"), 0o755);
    assert.equal(expected.files.get("site-b/startup/azure_start.sh"), 0o755);
    // Written by the builders the Python ran (here the stand-in's placeholders).
    assert.match(
      readFileSync(join(ourProd, "site-b/startup/aws_start.sh"), "utf8"),
      /stand-in for NVFlare's AWSBuilder/,
    );
    assert.match(
      readFileSync(join(ourProd, "site-b/startup/azure_start.sh"), "utf8"),
      /stand-in for NVFlare's AzureBuilder/,
    );
    // Native output unchanged by the detour: data files as the reference's.
    const ours = (path: string) => readFileSync(join(ourProd, path), "utf8");
    const theirs = (path: string) => readFileSync(fixturePath(refProd, path), "utf8");
    for (const path of [
      "compose.yaml",
      ".env",
      "nvflare_compose/requirements.txt",
      "site-b/startup/fed_client.json",
    ]) {
      assert.equal(ours(path), theirs(path), path);
    }
    assert.deepEqual(
      dockerfileInstructions(ours("nvflare_compose/Dockerfile")),
      referenceDockerfile(`${refProd}/nvflare_compose/Dockerfile`),
    );
    // The placeholder server's folder, where the builders wrote too, is not kept; nor is staging.
    assert.deepEqual(readdirSync(join(copy.work, "full/workspace/hospital_federation")).sort(), [
      "prod_00",
      "state",
    ]);
    assert.deepEqual(readdirSync(join(copy.work, "full/workspace/hospital_federation/state")), []);
  });

  test("a site's own builder adds its files to the kit and beside it", () => {
    const argv = defaultWith([{ path: "flare_test_builders.AddScript", args: { name: "site_check.sh" } }]);
    const result = run([...argv, "--force"]);
    assert.equal(result.code, 0, result.stderr);
    const prod = join(copy.work, "default", PROD);
    const listing = kitListing(prod);
    assert.equal(listing.files.get("site-b/startup/site_check.sh"), 0o755);
    assert.equal(listing.files.get("site_notes.txt"), 0o644);
    assert.equal(listing.files.get("site-b/startup/client.key"), 0o600);
    assert.equal(
      [...listing.files.keys()].some((p) => p.startsWith("server1.hospital-central.org")),
      false,
    );
  });

  test("a staging folder left by a killed run is removed by the next one", () => {
    const project = join(copy.work, "default/workspace/hospital_federation");
    // Our temp-name shape: this host, a pid whose process has exited.
    const deadPid = spawnSync(process.execPath, ["-e", ""]).pid as number;
    const stale = join(project, `.wip.tmp-${hostToken(hostname())}-${deadPid}-4242-0123456789ab`);
    mkdirSync(join(stale, "wip", "site-b", "startup"), { recursive: true });
    const argv = defaultWith([{ path: "flare_test_builders.AddScript" }]);
    const result = run([...argv, "--force"]);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(readdirSync(project).sort(), ["prod_00", "state"]);
  });

  test("a builder that raises is BUILD_FAILED with its message, nothing written", () => {
    const argv = defaultWith([{ path: "flare_test_builders.Raises", args: { message: "quota exceeded" } }]);
    const result = failing([...argv, "--force"]);
    assert.equal(result.code, 1, result.stderr);
    assert.match(
      result.stderr,
      /^Kit assembly failed during provisioning\. \u2014 flare_test_builders\.Raises: RuntimeError: quota exceeded$/m,
    );
    assert.match(result.stderr, /Traceback \(most recent call last\)/);
    assert.match(result.stderr, /\nCode: BUILD_FAILED \(exit 1\)\n$/);
  });

  for (const [builder, why] of [
    ["WritesOutside", /a builder wrote outside its staging folder: .*escaped\.txt/],
    ["ReplacesKey", /startup\/client\.key was changed/],
    ["Symlink", /startup\/hostname is a symbolic link/],
    ["ChangesEndpoint", /startup\/fed_client\.json: servers was changed/],
  ] as const) {
    test(`a hostile builder (${builder}) is refused, nothing written`, () => {
      const argv = defaultWith([{ path: `flare_test_builders.${builder}` }]);
      const result = failing([...argv, "--force"]);
      assert.equal(result.code, 4, result.stderr);
      assert.match(result.stderr, why);
      assert.match(result.stderr, /\nCode: BUILDER_OUTPUT_REFUSED \(exit 4\)\n$/);
    });
  }
});

// Against the real NVFlare, where one is at hand: FLARE_PROVISION_TEST_NVFLARE_PYTHON names a
// Python that can import it (FLARE_PROVISION_TEST_NVFLARE_PYTHONPATH is added to its PYTHONPATH).
// Its AWSBuilder and AzureBuilder must then write the reference's scripts byte for byte.
const realPython = process.env.FLARE_PROVISION_TEST_NVFLARE_PYTHON;
describe("builders run by the real NVFlare", {
  skip: realPython ? false : "FLARE_PROVISION_TEST_NVFLARE_PYTHON is not set",
}, () => {
  const temp = makeTempDir("flare-real-nvflare-");
  let copy: ScenarioCopy;
  const env = () => ({
    FLARE_PROVISION_PYTHON: realPython as string,
    PYTHONPATH: process.env.FLARE_PROVISION_TEST_NVFLARE_PYTHONPATH ?? "",
    PYTHONDONTWRITEBYTECODE: "1",
  });

  before(() => {
    copy = copyFixtureScenario(SCENARIO, join(temp.dir, "builders"), "empty");
    undoSteps(
      copy,
      steps.filter((s) => s.argv[0] === "package").flatMap((s) => s.changes),
    );
  });
  after(temp.cleanup);

  test("the full-builders participant: the reference's prod_00 tree, its AWS and Azure scripts byte for byte", () => {
    const result = cliIn(copy, full.argv, env());
    assert.equal(result.code, 0, result.stderr);
    const refProd = `${SCENARIO}/work/full/${PROD}`;
    const ourProd = join(copy.work, "full", PROD);
    const expected = fixtureKitListing(refProd);
    const actual = kitListing(ourProd);
    assert.deepEqual(new Map([...actual.files].sort()), new Map([...expected.files].sort()));
    for (const script of ["aws_start.sh", "azure_start.sh"]) {
      const golden = withheldFiles().find((f) => f.path === `${refProd}/site-b/startup/${script}`);
      assert.ok(golden, script);
      const bytes = readFileSync(join(ourProd, "site-b/startup", script));
      assert.equal(bytes.length, golden.size, script);
      assert.equal(sha256Hex(bytes), golden.sha256, script);
    }
  });

  test("a class it cannot load: the reference's error, word for word", () => {
    const result = cliIn(copy, missing.argv, env());
    assert.equal(result.stderr, readFileSync(fixturePath(SCENARIO, "logs", `${missing.id}.stderr`), "utf8"));
    assert.equal(result.code, 4);
  });
});
