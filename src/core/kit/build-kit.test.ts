import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parse as parseYaml } from "yaml";
import { readFixture } from "../../../test/helpers/fixtures.ts";
import { dockerfileInstructions, referenceDockerfile } from "../../../test/helpers/golden.ts";
import {
  fixtureKitListing,
  kitInputFromRequestDir,
  readLocalSite,
  referenceKits,
} from "../../../test/helpers/kit-inputs.ts";
import { fromUtf8, utf8 } from "../bytes/encoding.ts";
import { isFlareError } from "../errors/flare-error.ts";
import { buildKit, planKit } from "./build-kit.ts";
import type { KitInput, KitTree } from "./types.ts";

// Files whose text is this project's own (scripts, readmes, notebook); everything else must be
// byte-identical to the reference kit (startup-kits.md §5, §6, §9).
const OWN_TEXT = /(^|\/)(readme\.txt|system_info\.ipynb|[^/]+\.sh)$/;

function fileText(tree: KitTree, path: string): string {
  const file = tree.files.get(path);
  assert.ok(file, `kit has no ${path}`);
  return fromUtf8(file.bytes);
}

describe("buildKit against the reference kits", () => {
  for (const kit of referenceKits()) {
    test(`reproduces ${kit.label}: same files, modes and directories, identical config and key material`, () => {
      const tree = buildKit(kitInputFromRequestDir(kit.requestDir));
      const expected = fixtureKitListing(kit.kitDir);

      assert.deepEqual([...tree.files.keys()].sort(), [...expected.files.keys()].sort());
      assert.deepEqual([...tree.dirs].sort(), expected.dirs);
      for (const [path, mode] of expected.files) {
        assert.equal(tree.files.get(path)?.mode.toString(8), mode.toString(8), `mode of ${path}`);
      }
      for (const path of expected.files.keys()) {
        if (OWN_TEXT.test(path)) continue;
        const ours = tree.files.get(path)?.bytes ?? new Uint8Array();
        assert.equal(fromUtf8(ours), fromUtf8(readFixture(kit.kitDir, path)), `content of ${path}`);
      }
    });
  }

  test("reproduces the full-builders kit and its DockerBuilder files once the AWS and Azure builders are removed", () => {
    const input = kitInputFromRequestDir("builders/work/full/site-b");
    const kept = (input.builders as { path: string }[]).filter((b) => !/aws|azure/.test(b.path));
    assert.equal(kept.length, 5);
    const plan = planKit({ ...input, builders: kept });
    const prod = "builders/work/full/workspace/hospital_federation/prod_00";
    const kitDir = `${prod}/site-b`;
    const expected = fixtureKitListing(kitDir);
    const withoutCloud = [...expected.files.keys()].filter((p) => !/(aws|azure)_start\.sh$/.test(p)).sort();
    assert.deepEqual([...plan.tree.files.keys()].sort(), withoutCloud);
    for (const path of withoutCloud) {
      assert.equal(plan.tree.files.get(path)?.mode, expected.files.get(path), `mode of ${path}`);
    }
    assert.equal(
      fileText(plan.tree, "startup/fed_client.json"),
      fromUtf8(readFixture(kitDir, "startup/fed_client.json")),
    );
    assert.match(fileText(plan.tree, "startup/docker.sh"), /^image=nvflare\/nvflare:latest$/m);
    assert.match(fileText(plan.tree, "startup/sub_start.sh"), / config_folder=config\)$/m);

    // DockerBuilder's files at the prod_00 root: the same names and modes as the reference's.
    const prodListing = fixtureKitListing(prod);
    const rootFiles = [...prodListing.files.keys()].filter((p) => !p.startsWith("site-b/")).sort();
    assert.deepEqual(rootFiles, [
      ".env",
      "compose.yaml",
      "nvflare_compose/Dockerfile",
      "nvflare_compose/requirements.txt",
    ]);
    assert.deepEqual([...plan.prodFiles.keys()].sort(), rootFiles);
    for (const path of rootFiles) {
      assert.equal(plan.prodFiles.get(path)?.mode, prodListing.files.get(path), `mode of ${path}`);
    }
    const ours = (path: string) => fromUtf8(plan.prodFiles.get(path)?.bytes ?? new Uint8Array());
    const theirs = (path: string) => fromUtf8(readFixture(prod, path));
    // Data files: equal parsed content, and equal bytes too (PyYAML's sorted block style).
    assert.deepEqual(parseYaml(ours("compose.yaml")), parseYaml(theirs("compose.yaml")));
    assert.equal(ours("compose.yaml"), theirs("compose.yaml"));
    assert.equal(ours(".env"), theirs(".env"));
    assert.equal(ours("nvflare_compose/requirements.txt"), theirs("nvflare_compose/requirements.txt"));
    // The Dockerfile is our text: the same instructions as the reference's (golden data).
    assert.deepEqual(
      dockerfileInstructions(ours("nvflare_compose/Dockerfile")),
      referenceDockerfile(`${prod}/nvflare_compose/Dockerfile`),
    );
    assert.deepEqual(
      plan.warnings.map((w) => w.code),
      ["BUILDER_ARGS_IGNORED", "BUILDER_ARG_IGNORED", "BUILDER_DROPPED"],
    );
  });

  test("DockerBuilder: the server kit's own service, admin kits only the placeholder server, requirements copied", () => {
    const docker = [
      { path: "nvflare.lighter.impl.docker.DockerBuilder", args: { base_image: "python:3.12-slim" } },
    ];
    const requirements = utf8("torch==2.3.0\nmonai\n");
    const server = planKit({ ...variant(SERVER, {}, docker), dockerRequirements: requirements });
    const compose = parseYaml(fromUtf8(server.prodFiles.get("compose.yaml")?.bytes ?? new Uint8Array()));
    assert.deepEqual(Object.keys(compose.services), ["server1.hospital-central.org"]);
    const service = compose.services["server1.hospital-central.org"];
    assert.deepEqual(service.ports, ["8002:8002", "8003:8003"]);
    assert.deepEqual(service.volumes, [
      "./server1.hospital-central.org:$" + "{WORKSPACE}",
      "nvflare_svc_persist:/tmp/nvflare/",
    ]);
    assert.equal(service.command.at(-1), "org=hospital_central");
    assert.deepEqual(server.prodFiles.get("nvflare_compose/requirements.txt")?.bytes, requirements);
    assert.match(
      fromUtf8(server.prodFiles.get("nvflare_compose/Dockerfile")?.bytes ?? new Uint8Array()),
      /^FROM python:3\.12-slim\n/,
    );
    assert.deepEqual(server.warnings, []);

    const admin = planKit(variant(ADMIN, {}, docker));
    const adminCompose = parseYaml(fromUtf8(admin.prodFiles.get("compose.yaml")?.bytes ?? new Uint8Array()));
    assert.deepEqual(Object.keys(adminCompose.services), ["server1.hospital-central.org"]);
    assert.equal(adminCompose.services["server1.hospital-central.org"].command.at(-1), "org=myorg");
    assert.equal(admin.prodFiles.get("nvflare_compose/requirements.txt")?.bytes.length, 0);
    assert.equal(admin.tree.files.has("startup/docker.sh"), false, "docker.sh comes from docker_image only");
  });

  test("DockerBuilder: a named requirements_file that the caller did not find is a warning and an empty file", () => {
    const docker = [
      { path: "nvflare.lighter.impl.docker.DockerBuilder", args: { requirements_file: "missing.txt" } },
    ];
    const plan = planKit(variant(CLIENT, {}, docker));
    assert.deepEqual(
      plan.warnings.map((w) => w.code),
      ["BUILDER_FILE_MISSING"],
    );
    assert.equal(plan.prodFiles.get("nvflare_compose/requirements.txt")?.bytes.length, 0);
  });

  test("no DockerBuilder, no prod-root files", () => {
    assert.equal(planKit(kitInputFromRequestDir(CLIENT)).prodFiles.size, 0);
  });

  test("rejects the reference's missing-builder participant with LOCAL_SITE_INVALID naming the class", () => {
    // That package run failed before materializing signed.json, so take the identity from the
    // baseline variant (same participant) and the builders from the failing site.yaml.
    const builders = readLocalSite("builders/work/missing-builder/site-b").builders;
    const input = { ...kitInputFromRequestDir("builders/work/default/site-b"), builders };
    assert.throws(
      () => buildKit(input),
      (error: unknown) =>
        isFlareError(error, "LOCAL_SITE_INVALID") &&
        error.message.startsWith(
          "Invalid local participant definition: Can't load class com.example.CustomAuditBuilder: ",
        ) &&
        error.exitCode === 4,
    );
  });

  test("rejects the full-builders participant because AWSBuilder is not a stock builder", () => {
    assert.throws(
      () => buildKit(kitInputFromRequestDir("builders/work/full/site-b")),
      (error: unknown) =>
        isFlareError(error, "LOCAL_SITE_INVALID") &&
        error.message.includes("Can't load class nvflare.lighter.impl.aws.AWSBuilder:") &&
        error.hint.includes(
          "StaticFileBuilder, CertBuilder, SignatureBuilder, WorkspaceBuilder and DockerBuilder",
        ),
    );
  });

  test("keeps the local site.yaml readable by the test's YAML 1.1 parser", () => {
    assert.equal(readLocalSite("hospital/work/hospital-a").name, "hospital_federation");
  });
});

/** A hospital kit input with the participant and builders replaced. */
function variant(requestDir: string, participant: Record<string, unknown>, builders?: unknown): KitInput {
  const base = kitInputFromRequestDir(requestDir);
  return { ...base, participant: { ...base.participant, ...participant }, builders };
}

const SERVER = "hospital/work/server1.hospital-central.org";
const CLIENT = "hospital/work/hospital-a";
const ADMIN = "hospital/work/alice@hospital-alpha.org";

describe("buildKit connection parameters (startup-kits.md §4, §5)", () => {
  test("uses the server's local connection_security override, lower-cased", () => {
    const tree = buildKit(variant(SERVER, { connection_security: "CLEAR" }));
    assert.match(fileText(tree, "startup/fed_server.json"), /"connection_security": "clear"\n/);
  });

  test("falls back to the signed default when the server has no override", () => {
    const base = kitInputFromRequestDir(SERVER);
    const { connection_security: _dropped, ...participant } = base.participant;
    const tree = buildKit({ ...base, participant });
    assert.match(fileText(tree, "startup/fed_server.json"), /"connection_security": "tls"\n/);
  });

  test("ignores a connection_security property of a client", () => {
    const tree = buildKit(variant(CLIENT, { connection_security: "clear" }));
    assert.match(fileText(tree, "startup/fed_client.json"), /"connection_security": "tls"\n/);
  });

  test("maps schemes with use_aio for sites but never for admins", () => {
    const server = buildKit(variant(SERVER, { use_aio: true }));
    assert.match(fileText(server, "startup/fed_server.json"), /"scheme": "agrpc"/);
    const tcp = kitInputFromRequestDir(CLIENT);
    const client = buildKit({
      ...tcp,
      participant: { ...tcp.participant, use_aio: true },
      signed: { ...tcp.signed, scheme: "tcp" },
    });
    assert.match(fileText(client, "startup/fed_client.json"), /"scheme": "atcp"/);
    const admin = buildKit(variant(ADMIN, { use_aio: true }));
    assert.match(fileText(admin, "startup/fed_admin.json"), /"scheme": "grpc"/);
  });

  test("points a client at connect_to host and port but keeps the server identity", () => {
    const tree = buildKit(variant(CLIENT, { connect_to: { host: "fl-server.internal", port: 9002 } }));
    const text = fileText(tree, "startup/fed_client.json");
    assert.match(text, /"target": "fl-server.internal:9002"/);
    assert.match(text, /"identity": "server1.hospital-central.org"/);
  });

  test("keeps the signed host when connect_to gives only a port, and the signed port when it gives only a host", () => {
    const portOnly = buildKit(variant(CLIENT, { connect_to: { port: 9002 } }));
    assert.match(
      fileText(portOnly, "startup/fed_client.json"),
      /"target": "server1.hospital-central.org:9002"/,
    );
    const hostOnly = buildKit(variant(CLIENT, { connect_to: "10.0.1.50" }));
    assert.match(fileText(hostOnly, "startup/fed_client.json"), /"target": "10.0.1.50:8002"/);
  });

  test("points an admin at connect_to host and port", () => {
    const tree = buildKit(variant(ADMIN, { connect_to: { host: "10.0.1.50", port: 9003 } }));
    const text = fileText(tree, "startup/fed_admin.json");
    assert.match(text, /"host": "10.0.1.50",\n {4}"port": 9003,/);
    assert.match(text, /"server_identity": "server1.hospital-central.org"/);
  });

  test("rejects a connect_to naming a relay as an unsupported feature", () => {
    assert.throws(
      () => buildKit(variant(CLIENT, { connect_to: { name: "relay-1", host: "r1.example.org" } })),
      (error: unknown) => isFlareError(error, "LOCAL_SITE_UNSUPPORTED_FEATURE"),
    );
  });

  test("renders a server auth_identity with the reference's 12-space line", () => {
    const tree = buildKit(variant(SERVER, { auth_identity: "fl-server" }));
    assert.match(
      fileText(tree, "startup/fed_server.json"),
      /"connection_security": "mtls",\n {12}"auth_identity": "fl-server"\n {6}\}/,
    );
  });

  test("renders a client auth_identity with its auth_identity_map", () => {
    const tree = buildKit(variant(CLIENT, { auth_identity: "hospital-alpha" }));
    assert.ok(
      fileText(tree, "startup/fed_client.json").endsWith(
        [
          '    "connection_security": "tls",',
          '      "auth_identity": "hospital-alpha",',
          '      "auth_identity_map": {',
          '        "hospital-a": "hospital-alpha"',
          "      }",
          "  }",
          "}",
          "",
        ].join("\n"),
      ),
    );
  });

  test("writes nothing for an auth_identity equal to the name", () => {
    const tree = buildKit(variant(CLIENT, { auth_identity: "hospital-a" }));
    assert.equal(
      fileText(tree, "startup/fed_client.json"),
      fromUtf8(
        readFixture("hospital/work/workspace/hospital_federation/prod_00/hospital-a/startup/fed_client.json"),
      ),
    );
  });

  test("escapes non-ASCII text as Python's json.dumps does", () => {
    const tree = buildKit(variant(CLIENT, { auth_identity: "h\u00f4pital" }));
    assert.match(fileText(tree, "startup/fed_client.json"), /"auth_identity": "h\\u00f4pital"/);
  });

  test("truncates the project name to 63 characters in the startup files", () => {
    const long = "p".repeat(64);
    const tree = buildKit({ ...kitInputFromRequestDir(ADMIN), project: long });
    assert.match(fileText(tree, "startup/fed_admin.json"), new RegExp(`"project_name": "${"p".repeat(63)}"`));
  });
});

describe("buildKit builders and local files (startup-kits.md §6, §8)", () => {
  const staticFile = (args: Record<string, unknown>) => [
    { path: "nvflare.lighter.impl.static_file.StaticFileBuilder", args },
  ];

  test("inserts require_signed_jobs into fed_server.json", () => {
    const tree = buildKit(variant(SERVER, {}, staticFile({ require_signed_jobs: true })));
    assert.match(
      fileText(tree, "startup/fed_server.json"),
      /^\{\n {2}"format_version": 2,\n {2}"require_signed_jobs": true,\n {2}"servers"/,
    );
  });

  test("never writes require_signed_jobs into fed_admin.json", () => {
    const tree = buildKit(variant(ADMIN, {}, staticFile({ require_signed_jobs: false })));
    assert.doesNotMatch(fileText(tree, "startup/fed_admin.json"), /require_signed_jobs/);
  });

  test("adds startup/docker.sh (0755) to every kit type when docker_image is set", () => {
    for (const dir of [SERVER, CLIENT, ADMIN]) {
      const tree = buildKit(variant(dir, {}, staticFile({ docker_image: "nvflare/nvflare:2.7" })));
      assert.equal(tree.files.get("startup/docker.sh")?.mode, 0o755, dir);
    }
  });

  test("renders capacity into the client's resource manager", () => {
    const tree = buildKit(variant(CLIENT, { capacity: { num_of_gpus: 2, mem_per_gpu_in_GiB: 16 } }));
    assert.match(
      fileText(tree, "local/resources.json.default"),
      /"num_of_gpus": 2,\n {8}"mem_per_gpu_in_GiB": 16,\n {8}"expiration_period": 300/,
    );
  });

  test("honours allow_log_streaming: false, which the reference ignores", () => {
    const tree = buildKit(variant(CLIENT, { allow_log_streaming: false }));
    assert.match(fileText(tree, "local/resources.json.default"), /"allow_log_streaming": false,/);
  });

  test("rejects a non-boolean allow_log_streaming", () => {
    assert.throws(
      () => buildKit(variant(CLIENT, { allow_log_streaming: "no" })),
      (error: unknown) =>
        isFlareError(error, "LOCAL_SITE_INVALID") &&
        error.message === "Invalid local participant definition: allow_log_streaming must be a boolean",
    );
  });

  test("copies custom_ca_cert bytes to startup/customRootCA.pem for sites only", () => {
    const ca = readFixture("errors/work/ca/rootCA.pem");
    const client = buildKit({ ...kitInputFromRequestDir(CLIENT), customCaCert: ca });
    assert.deepEqual(client.files.get("startup/customRootCA.pem"), { bytes: ca, mode: 0o644 });
    const admin = buildKit({ ...kitInputFromRequestDir(ADMIN), customCaCert: ca });
    assert.equal(admin.files.has("startup/customRootCA.pem"), false);
  });

  test("refuses a custom_ca_cert that is not exactly one CA certificate", () => {
    const ca = fromUtf8(readFixture("errors/work/ca/rootCA.pem"));
    const leaf = fromUtf8(readFixture("hospital/work/hospital-a/hospital-a.crt"));
    const key = fromUtf8(readFixture("hospital/work/hospital-a/hospital-a.key"));
    const cases: [string, string, string][] = [
      ["a private key", key, "the file holds 1 PEM block (RSA PRIVATE KEY)"],
      [
        "a CA certificate and its key",
        `${ca}${key}`,
        "the file holds 2 PEM blocks (CERTIFICATE, RSA PRIVATE KEY)",
      ],
      ["two CA certificates", `${ca}${ca}`, "the file holds 2 PEM blocks (CERTIFICATE, CERTIFICATE)"],
      ["a leaf certificate", leaf, "the certificate is not a CA certificate (BasicConstraints CA:FALSE)"],
      ["text after the certificate", `${ca}junk\n`, "the file holds text outside its CERTIFICATE block"],
    ];
    for (const [label, text, reason] of cases) {
      const participant = { ...kitInputFromRequestDir(CLIENT).participant, custom_ca_cert: "corp-ca.pem" };
      assert.throws(
        () => buildKit({ ...kitInputFromRequestDir(CLIENT), participant, customCaCert: utf8(text) }),
        (error: unknown) =>
          isFlareError(error, "LOCAL_SITE_INVALID") &&
          error.message.startsWith(
            `Invalid local participant definition: custom_ca_cert corp-ca.pem must be exactly one CA certificate: ${reason}`,
          ),
        label,
      );
    }
  });

  test("reports ignored builder args as warnings", () => {
    const plan = planKit(variant(CLIENT, {}, staticFile({ scheme: "http" })));
    assert.deepEqual(
      plan.warnings.map((w) => w.code),
      ["BUILDER_ARG_IGNORED"],
    );
    assert.match(fileText(plan.tree, "startup/fed_client.json"), /"scheme": "grpc"/);
  });

  test("puts the admin name into the notebook as a string literal", () => {
    const tree = buildKit(kitInputFromRequestDir(ADMIN));
    const notebook = JSON.parse(fileText(tree, "startup/system_info.ipynb")) as {
      nbformat: number;
      nbformat_minor: number;
      cells: { source: string[] }[];
    };
    assert.equal(notebook.nbformat, 4);
    assert.equal(notebook.nbformat_minor, 5);
    const code = notebook.cells.map((c) => c.source.join("")).join("\n");
    assert.match(code, /username = "alice@hospital-alpha\.org"/);
    assert.match(code, /new_secure_session\(username=username, startup_kit_location=startup_kit_location\)/);
    assert.match(code, /print\(sess\.get_system_info\(\)\)/);
  });

  test("is deterministic", () => {
    const a = buildKit(kitInputFromRequestDir(CLIENT));
    const b = buildKit(kitInputFromRequestDir(CLIENT));
    assert.deepEqual(a, b);
  });
});
