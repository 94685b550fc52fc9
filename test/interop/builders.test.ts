import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import type { CliRun } from "../helpers/cli.ts";
import { fixturePath, makeTempDir, REPO_ROOT } from "../helpers/fixtures.ts";
import { buildersDiff, dockerfileInstructions, referenceDockerfile } from "../helpers/golden.ts";
import { fixtureKitListing } from "../helpers/kit-inputs.ts";
import {
  assertKitMatchesReference,
  assertSameRuntimeInvocation,
  assertUnchanged,
  cliIn,
  copyFixtureScenario,
  installFakePython,
  kitListing,
  loggedSteps,
  normalizePaths,
  type ScenarioCopy,
  sha256Hex,
  snapshotTree,
  step,
  undoSteps,
} from "./helpers.ts";

// The participant `builders:` block (CATALOGUE.md builders/, startup-kits.md §8): one client
// identity, site-b, requested and approved four times by the reference with different builders,
// packaged here by our built CLI with the reference's logged commands (request folder found next
// to the signed zip). The default and `require_signed_jobs: false` kits must equal the
// reference's and differ from each other exactly as the reference's diff shows (its hash and file
// pairs in golden/builders-diffs.json); a builder class that is not a stock one must fail with
// LOCAL_SITE_INVALID (exit 4) and write nothing.

const SCENARIO = "builders";
const PROD = "workspace/hospital_federation/prod_00";
const steps = loggedSteps(SCENARIO);
const packages = steps.filter((s) => s.argv[0] === "package");
// Builders flare-provision does not run natively go through a Python with NVFlare; here the
// stand-in of test/python/nvflare_stub (see external-builders.test.ts).
const STUB_PYTHON = {
  FLARE_PROVISION_PYTHON: "python3",
  PYTHONPATH: join(REPO_ROOT, "test", "python", "nvflare_stub"),
  PYTHONDONTWRITEBYTECODE: "1",
};

/** `diff -ruN` output with the timestamps dropped from `---`/`+++` lines, as in builders/diffs. */
function diffTrees(cwd: string, left: string, right: string): string {
  const run = spawnSync("diff", ["-ruN", "-x", "client.crt", "-x", "client.key", left, right], {
    cwd,
    encoding: "utf8",
  });
  assert.ok(run.status === 0 || run.status === 1, run.stderr);
  return run.stdout.replace(/^((?:---|\+\+\+) [^\t\n]+)\t[^\n]*$/gm, "$1");
}

/** The `left right` file pairs of a `diff -ruN` output's `diff ...` lines, in order. */
function diffPairs(text: string): [string, string][] {
  return [...text.matchAll(/^diff -ruN -x client\.crt -x client\.key (\S+) (\S+)$/gm)].map((m) => [
    m[1] as string,
    m[2] as string,
  ]);
}

describe("builders: reference approvals with builders blocks, our packaging", () => {
  const temp = makeTempDir("flare-interop-builders-");
  let copy: ScenarioCopy;
  let binDir = "";
  const runs = new Map<string, CliRun>();
  const unchanged = new Map<string, () => void>();

  before(() => {
    binDir = installFakePython(join(temp.dir, "bin"));
    copy = copyFixtureScenario(SCENARIO, join(temp.dir, "builders"), "empty");
    mkdirSync(join(copy.root, "reference"));
    for (const variant of ["default", "unsigned-jobs", "full"]) {
      renameSync(join(copy.work, variant, "workspace"), join(copy.root, "reference", variant));
    }
    undoSteps(
      copy,
      packages.flatMap((s) => s.changes),
    );
    for (const s of packages) {
      const before = snapshotTree(copy.root);
      runs.set(s.id, cliIn(copy, s.argv, STUB_PYTHON));
      if (s.rc !== 0) {
        runs.set(`${s.id}.json`, cliIn(copy, ["--format", "json", ...s.argv], STUB_PYTHON));
      }
      const after = snapshotTree(copy.root);
      unchanged.set(s.id, () => assertUnchanged(before, after, s.id));
    }
  });
  after(temp.cleanup);

  for (const [prefix, variant] of [
    ["10-", "default"],
    ["11-", "unsigned-jobs"],
  ] as const) {
    test(`packages the ${variant} approval into the reference's kit, printing what the reference printed`, () => {
      const s = step(steps, prefix);
      const run = runs.get(s.id) as CliRun;
      assert.equal(run.code, 0, run.stderr);
      assert.equal(
        normalizePaths(run.stdout, copy),
        readFileSync(fixturePath(SCENARIO, "logs", `${s.id}.stdout`), "utf8"),
      );
      const ourKit = join(copy.work, variant, PROD, "site-b");
      assertKitMatchesReference(ourKit, `${SCENARIO}/work/${variant}/${PROD}/site-b`);
      assertSameRuntimeInvocation(
        ourKit,
        `${SCENARIO}/work/${variant}/${PROD}/site-b`,
        binDir,
        join(temp.dir, "records"),
      );
    });
  }

  test("require_signed_jobs: false changes the kit exactly as the reference's diff shows", () => {
    const ours = diffTrees(
      copy.work,
      "default/workspace/hospital_federation/prod_00",
      "unsigned-jobs/workspace/hospital_federation/prod_00",
    );
    // The reference's diff quotes NVIDIA's kit text in general, so the vectors keep only its
    // size, SHA-256 and file pairs (golden/builders-diffs.json): equal hashes, equal text.
    const expected = buildersDiff("default-vs-unsigned-jobs.diff");
    assert.deepEqual(diffPairs(ours), expected.files, "the files the diffs compare");
    assert.equal(Buffer.byteLength(ours), expected.size, ours);
    assert.equal(sha256Hex(ours), expected.sha256, ours);
    assert.match(ours, /^\+ {2}"require_signed_jobs": false,$/m);
  });

  test("a builder class NVFlare cannot load fails with LOCAL_SITE_INVALID (exit 4) exactly like the reference, writing nothing", () => {
    const s = step(steps, "13-");
    const text = runs.get(s.id) as CliRun;
    const json = runs.get(`${s.id}.json`) as CliRun;
    const reference = (ext: string) => readFileSync(fixturePath(SCENARIO, "logs", `${s.id}.${ext}`), "utf8");
    assert.equal(text.code, Number(reference("rc").trim()));
    assert.equal(text.code, 4);
    assert.equal(text.stdout, "");
    // The class is looked up by NVFlare's own loader, so the reason is Python's, as there.
    assert.equal(text.stderr, reference("stderr"));
    assert.equal(json.code, 4);
    assert.equal(json.stderr, "");
    assert.deepEqual(json.json, JSON.parse(reference("json.stdout")));
    (unchanged.get(s.id) as () => void)();
  });

  test("the AWS, Azure and Docker builders package where the reference's did (external-builders.test.ts has the details)", () => {
    const run = runs.get(step(steps, "12-").id) as CliRun;
    assert.ok(
      buildersDiff("default-vs-full.diff").files.some(([, right]) => /aws_start\.sh$/.test(right)),
      "the reference's full-builders kit has aws_start.sh",
    );
    assert.equal(run.code, 0, run.stderr);
    const kit = kitListing(join(copy.work, "full", PROD));
    assert.equal(kit.files.get("site-b/startup/aws_start.sh"), 0o755);
    assert.equal(kit.files.get("compose.yaml"), 0o644);
  });
});

describe("builders: DockerBuilder and docker_image packaged natively", () => {
  const temp = makeTempDir("flare-interop-docker-");
  let copy: ScenarioCopy;
  let binDir = "";
  const full = step(steps, "12-");
  const refProd = `${SCENARIO}/work/full/${PROD}`;
  const ourProd = () => join(copy.work, "full", PROD);

  before(() => {
    binDir = installFakePython(join(temp.dir, "bin"));
    copy = copyFixtureScenario(SCENARIO, join(temp.dir, "builders"), "empty");
    undoSteps(copy, full.changes);
    // The full-builders participant without AWSBuilder and AzureBuilder, which need NVFlare.
    const sitePath = join(copy.work, "full/site-b/site.yaml");
    const site = parseYaml(readFileSync(sitePath, "utf8")) as { builders: { path: string }[] };
    site.builders = site.builders.filter((b) => !/\.(aws|azure)\./.test(b.path));
    writeFileSync(sitePath, stringifyYaml(site));
  });
  after(temp.cleanup);

  test("packages the kit and the prod_00 compose files the reference wrote, on a host without NVFlare", () => {
    const run = cliIn(copy, full.argv);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(
      normalizePaths(run.stdout, copy),
      readFileSync(fixturePath(SCENARIO, "logs", `${full.id}.stdout`), "utf8"),
    );
    // What has no effect here is said on stderr: the StaticFileBuilder scheme arg and so on.
    assert.match(run.stderr, /StaticFileBuilder arg 'scheme' is ignored/);

    // The whole prod_00 tree: names and modes as the reference's, the cloud scripts excepted.
    const expected = fixtureKitListing(refProd);
    const cloud = /^site-b\/startup\/(aws|azure)_start\.sh$/;
    const actual = kitListing(ourProd());
    assert.deepEqual(
      new Map([...actual.files].sort()),
      new Map([...expected.files].filter(([path]) => !cloud.test(path)).sort()),
    );
    assert.deepEqual(actual.dirs, expected.dirs);

    // Data files: parsed content equal to the reference's (and the bytes, PyYAML's layout).
    const ours = (path: string) => readFileSync(join(ourProd(), path), "utf8");
    const theirs = (path: string) => readFileSync(fixturePath(refProd, path), "utf8");
    assert.deepEqual(parseYaml(ours("compose.yaml")), parseYaml(theirs("compose.yaml")));
    assert.equal(ours("compose.yaml"), theirs("compose.yaml"));
    assert.equal(ours(".env"), theirs(".env"));
    assert.equal(ours("nvflare_compose/requirements.txt"), "");
    assert.deepEqual(
      dockerfileInstructions(ours("nvflare_compose/Dockerfile")),
      referenceDockerfile(`${refProd}/nvflare_compose/Dockerfile`),
    );
    assert.deepEqual(
      JSON.parse(ours("site-b/startup/fed_client.json")),
      JSON.parse(theirs("site-b/startup/fed_client.json")),
    );
    assertSameRuntimeInvocation(
      join(ourProd(), "site-b"),
      `${refProd}/site-b`,
      binDir,
      join(temp.dir, "records"),
    );
  });

  test("--force rebuilds the kit and keeps the compose files already there, like the reference", () => {
    const compose = join(ourProd(), "compose.yaml");
    writeFileSync(compose, "# edited by the site\n");
    writeFileSync(join(copy.work, "requirements.txt"), "monai==1.3.0\n");
    const run = cliIn(copy, [...full.argv, "--force"]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(readFileSync(compose, "utf8"), "# edited by the site\n");
    assert.equal(readFileSync(join(ourProd(), "nvflare_compose/requirements.txt"), "utf8"), "");
  });

  test("a missing compose folder is written again, with requirements.txt copied from the working directory", () => {
    rmSync(join(ourProd(), "nvflare_compose"), { recursive: true });
    writeFileSync(join(copy.work, "requirements.txt"), "monai==1.3.0\n");
    const run = cliIn(copy, [...full.argv, "--force"]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(readFileSync(join(ourProd(), "nvflare_compose/requirements.txt"), "utf8"), "monai==1.3.0\n");
    assert.equal(lstatSync(join(ourProd(), "nvflare_compose")).mode & 0o777, 0o755);
    assert.deepEqual(
      readdirSync(ourProd()).filter((name) => name.startsWith(".") && name !== ".env"),
      [],
      "no temporaries left",
    );
  });
});
