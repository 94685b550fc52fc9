import assert from "node:assert/strict";
import { mkdirSync, readFileSync, renameSync } from "node:fs";
import { basename, join } from "node:path";
import { after, before, describe, test } from "node:test";
import { type CliRun, runCli } from "../helpers/cli.ts";
import { fixturePath, makeTempDir, readFixture } from "../helpers/fixtures.ts";
import {
  assertKitMatchesReference,
  assertSameBytes,
  assertSameRuntimeInvocation,
  cliIn,
  copyFixtureScenario,
  expectsSecurityWarning,
  installFakePython,
  type LoggedStep,
  loggedSteps,
  normalizePaths,
  type ScenarioCopy,
  splitSecurityWarning,
  step,
  undoSteps,
} from "./helpers.ts";

// Direction 2 of the interop proof: every signed zip the reference approved (hospital/,
// deploy-01/, local-demo/*; builders/ is in builders.test.ts) packaged by our built CLI with
// the reference's request folders and keys. Each kit must equal the reference's kit: same files
// and modes, byte-identical certificate material, equal JSON configs, and launch scripts that
// start the FLARE runtime with the same arguments. Each scenario exercises one way of finding
// the request folder (cli.md §6): the audit record under HOME, `--request-dir`, and the folder
// next to the signed zip.

const LOCAL_DEMO = ["grpc-mtls", "tcp-clear", "http-clear", "http-mtls", "grpc-tls-server-mtls"] as const;

/** Expected connection parameters of the local-demo kits (CATALOGUE.md, local-demo/). */
const LOCAL_DEMO_CONFIG: Record<
  (typeof LOCAL_DEMO)[number],
  { scheme: string; server: string; others: string }
> = {
  "grpc-mtls": { scheme: "grpc", server: "mtls", others: "mtls" },
  "tcp-clear": { scheme: "tcp", server: "clear", others: "clear" },
  "http-clear": { scheme: "http", server: "clear", others: "clear" },
  "http-mtls": { scheme: "http", server: "mtls", others: "mtls" },
  // The server-only override: project tls, server kit mtls, client and admin tls.
  "grpc-tls-server-mtls": { scheme: "grpc", server: "mtls", others: "tls" },
};

interface Packaged {
  copy: ScenarioCopy;
  /** Request folder name = participant name. */
  name: string;
  /** The reference kit, fixture-relative. */
  refKit: string;
  /** Our kit, absolute. */
  ourKit: string;
  run: CliRun;
  /** The reference's capture of the same package step. */
  logged: LoggedStep;
}

function participantOfPackage(s: LoggedStep): string {
  return basename(s.argv[1] as string, ".signed.zip");
}

function fingerprintOf(s: LoggedStep): string[] {
  const at = s.argv.findIndex((a) => a === "--fingerprint" || a === "--expected-fingerprint");
  return at >= 0 ? ["--fingerprint", s.argv[at + 1] as string] : [];
}

/**
 * Copies a scenario, keeps its reference kits aside and undoes its package steps, so the state is
 * "approved, not packaged" with the signed zips where the reference's approve wrote them.
 */
function approvedState(scenario: string, dest: string, home: "reference" | "empty") {
  const copy = copyFixtureScenario(scenario, dest, home);
  const steps = loggedSteps(scenario);
  const packages = steps.filter((s) => s.argv[0] === "package");
  renameSync(join(copy.work, "workspace"), join(copy.root, "reference-workspace"));
  undoSteps(
    copy,
    packages.flatMap((s) => s.changes),
  );
  return { copy, steps, packages };
}

describe("reference approvals, our packaging", () => {
  const temp = makeTempDir("flare-interop-package-");
  const packaged: Packaged[] = [];
  let binDir = "";
  let hospitalWithoutAudit: CliRun | undefined;
  let hospitalCopy: ScenarioCopy | undefined;
  let deployJson: CliRun | undefined;
  let deployCopy: ScenarioCopy | undefined;

  function record(copy: ScenarioCopy, logged: LoggedStep, prod: string, run: CliRun) {
    const name = participantOfPackage(logged);
    packaged.push({
      copy,
      name,
      refKit: `${copy.scenario}/work/workspace/${prod}/${name}`,
      ourKit: join(copy.work, "workspace", prod, name),
      run,
      logged,
    });
  }

  before(() => {
    binDir = installFakePython(join(temp.dir, "bin"));

    // hospital/: the audit records under HOME are the only way to the request folders, because
    // the signed zips are moved to an inbox with no request folder beside or above it.
    {
      const { copy, packages } = approvedState("hospital", join(temp.dir, "hospital"), "reference");
      const inbox = join(copy.root, "inbox");
      mkdirSync(inbox);
      for (const logged of packages) {
        const name = participantOfPackage(logged);
        const zip = join(inbox, `${name}.signed.zip`);
        renameSync(join(copy.work, logged.argv[1] as string), zip);
        if (name === "hospital-a") {
          hospitalWithoutAudit = runCli(["package", zip, ...fingerprintOf(logged)], {
            cwd: copy.work,
            home: join(temp.dir, "no-home"),
          });
        }
        record(
          copy,
          logged,
          "hospital_federation/prod_00",
          cliIn(copy, ["package", zip, ...fingerprintOf(logged)]),
        );
      }
      hospitalCopy = copy;
    }

    // deploy-01/: explicit --request-dir, zips moved away, empty HOME. Step 07 had no
    // --fingerprint (the warning capture).
    {
      const { copy, packages } = approvedState("deploy-01", join(temp.dir, "deploy-01"), "empty");
      const inbox = join(copy.root, "inbox");
      mkdirSync(inbox);
      for (const logged of packages) {
        const name = participantOfPackage(logged);
        const zip = join(inbox, `${name}.signed.zip`);
        renameSync(join(copy.work, logged.argv[1] as string), zip);
        const args = ["package", zip, "--request-dir", name, ...fingerprintOf(logged)];
        record(copy, logged, "hospital_federation/prod_01", cliIn(copy, args));
        if (name === "hospital-d") {
          deployJson = cliIn(copy, [
            "--format",
            "json",
            "package",
            zip,
            "--request-dir",
            name,
            "-w",
            "ws-json",
          ]);
        }
      }
      deployCopy = copy;
    }

    // local-demo/*: the logged commands as they are, empty HOME: the request folder next to
    // the signed zip is the only candidate.
    for (const variant of LOCAL_DEMO) {
      const scenario = `local-demo/${variant}`;
      const { copy, packages } = approvedState(scenario, join(temp.dir, variant), "empty");
      for (const logged of packages) record(copy, logged, "local_demo/prod_00", cliIn(copy, logged.argv));
    }
  });
  after(temp.cleanup);

  test("packages all 22 reference approvals, printing what the reference printed", () => {
    assert.equal(packaged.length, 5 + 2 + 15);
    // hospital's server and local-demo/grpc-tls-server-mtls's server: project tls, server mtls.
    assert.equal(
      packaged.filter((p) => expectsSecurityWarning(`${p.copy.scenario}/work/${p.name}`)).length,
      2,
    );
    for (const p of packaged) {
      assert.equal(p.run.code, 0, `${p.refKit}: ${p.run.stderr}`);
      const expected = readFileSync(fixturePath(p.copy.scenario, "logs", `${p.logged.id}.stdout`), "utf8");
      // Our one extra line, only for a server whose local mode clients cannot meet.
      const ours = splitSecurityWarning(normalizePaths(p.run.stdout, p.copy));
      assert.equal(ours.warned, expectsSecurityWarning(`${p.copy.scenario}/work/${p.name}`), p.refKit);
      assert.equal(ours.text, expected, p.refKit);
      assert.equal(p.run.stderr, "", p.refKit);
    }
  });

  test("every kit has the reference's files and modes, certificate material and JSON configs", () => {
    for (const p of packaged) {
      const compared = assertKitMatchesReference(p.ourKit, p.refKit);
      assert.ok(compared.byteIdentical.includes("startup/rootCA.pem"), p.refKit);
      assert.equal(compared.byteIdentical.length, 3, `${p.refKit}: crt, key and rootCA.pem`);
    }
  });

  test("every kit's launcher starts the FLARE runtime with the reference's module and arguments", () => {
    for (const p of packaged) {
      assertSameRuntimeInvocation(p.ourKit, p.refKit, binDir, join(temp.dir, "records"));
    }
  });

  test("package leaves the reference's signed.json, certificate and rootCA.pem in each request folder", () => {
    for (const p of packaged) {
      const requestDir = `${p.copy.scenario}/work/${p.name}`;
      for (const file of ["signed.json", `${p.name}.crt`, "rootCA.pem"]) {
        assertSameBytes(
          readFileSync(join(p.copy.work, p.name, file)),
          readFixture(requestDir, file),
          `${requestDir}/${file}`,
        );
      }
    }
  });

  test("discovery through the audit record: without it the same command finds no request folder", () => {
    assert.ok(hospitalCopy && hospitalWithoutAudit);
    assert.equal(hospitalWithoutAudit.code, 1);
    assert.equal(
      hospitalWithoutAudit.stderr,
      "Local request directory was not found.\n" +
        "Hint: Use --request-dir to point to the original request folder created by 'nvflare cert request'.\n" +
        "Code: REQUEST_DIR_NOT_FOUND (exit 1)\n",
    );
    // With the audit record, all five hospital zips (none beside its request folder) packaged.
    assert.equal(packaged.filter((p) => p.copy === hospitalCopy && p.run.code === 0).length, 5);
  });

  test("without --fingerprint, package warns first: stdout in text mode, stderr in JSON mode (deploy-01 step 07)", () => {
    assert.ok(deployCopy && deployJson);
    const text = packaged.find((p) => p.logged.id === step(loggedSteps("deploy-01"), "07-").id);
    assert.ok(text);
    const warning =
      "Warning: Root CA SHA256 fingerprint was not verified. Use --fingerprint to verify it out-of-band.";
    assert.equal(text.run.stdout.split("\n")[0], warning);
    assert.equal(deployJson.code, 0, deployJson.stderr);
    assert.equal(
      normalizePaths(deployJson.stderr, deployCopy),
      `${warning}\nINFO: Generated results can be found under <WORKDIR>/ws-json/hospital_federation/prod_01. \n`,
    );
    assert.equal((deployJson.json?.data as Record<string, string> | undefined)?.provision_version, "01");
  });

  test("every local-demo scheme and security mode gives the reference's connection settings", () => {
    for (const variant of LOCAL_DEMO) {
      const expected = LOCAL_DEMO_CONFIG[variant];
      const kit = (name: string) =>
        packaged.find((p) => p.copy.scenario === `local-demo/${variant}` && p.name === name)
          ?.ourKit as string;
      // Only the fields compared below are typed; the files were compared in full above.
      interface Service {
        service: { scheme: string };
      }
      const read = <T>(name: string, file: string): T =>
        JSON.parse(readFileSync(join(kit(name), "startup", file), "utf8")) as T;
      const server = read<{ servers: (Service & { connection_security: string })[] }>(
        "localhost",
        "fed_server.json",
      );
      const client = read<{ servers: Service[]; client: { connection_security: string } }>(
        "site-1",
        "fed_client.json",
      );
      const admin = read<{ admin: { scheme: string; connection_security: string } }>(
        "admin@example.com",
        "fed_admin.json",
      );
      const serverEntry = server.servers[0] as Service & { connection_security: string };
      assert.deepEqual(
        {
          scheme: [serverEntry.service.scheme, client.servers[0]?.service.scheme, admin.admin.scheme],
          server: serverEntry.connection_security,
          others: [client.client.connection_security, admin.admin.connection_security],
        },
        {
          scheme: Array(3).fill(expected.scheme),
          server: expected.server,
          others: Array(2).fill(expected.others),
        },
        variant,
      );
    }
  });
});
