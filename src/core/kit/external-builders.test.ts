import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { kitInputFromRequestDir } from "../../../test/helpers/kit-inputs.ts";
import { fromUtf8, utf8 } from "../bytes/encoding.ts";
import { isFlareError } from "../errors/flare-error.ts";
import { planKit } from "./build-kit.ts";
import { adoptBuilderOutput, driverSpec, type StagedFile, type StagedOutput } from "./external-builders.ts";
import type { KitInput } from "./types.ts";

const AWS = { path: "nvflare.lighter.impl.aws.AWSBuilder" };
const withBuilders = (
  requestDir: string,
  builders: unknown[],
  participant: Record<string, unknown> = {},
): KitInput => {
  const input = kitInputFromRequestDir(requestDir);
  return { ...input, builders, participant: { ...input.participant, ...participant } };
};
const CLIENT = "hospital/work/hospital-a";
const SERVER = "hospital/work/server1.hospital-central.org";
const ADMIN = "hospital/work/alice@hospital-alpha.org";

describe("driverSpec: the project NVFlare's builders see", () => {
  test("a client kit: the client with its local props (no connection_security) and the placeholder server", () => {
    const input = withBuilders(
      CLIENT,
      [
        {
          path: "nvflare.lighter.impl.workspace.WorkspaceBuilder",
          args: { template_file: ["aws_template.yml"] },
        },
        AWS,
        { path: "com.example.Audit", args: { level: 2 } },
      ],
      { connection_security: "clear", capacity: { num_of_gpus: 1 } },
    );
    const spec = driverSpec(input, planKit(input));
    assert.deepEqual(spec.project.server, {
      name: "server1.hospital-central.org",
      org: "myorg",
      props: { fed_learn_port: 8002, admin_port: 8003 },
    });
    assert.equal(spec.project.clients.length, 1);
    const client = spec.project.clients[0];
    assert.equal(client?.name, "hospital-a");
    assert.equal(client?.org, "hospital_alpha");
    assert.equal(client?.props.connection_security, undefined);
    assert.deepEqual(client?.props.capacity, { num_of_gpus: 1 });
    assert.deepEqual(spec.project.admins, []);
    assert.deepEqual(spec.project.props, { connection_security: "tls" });
    assert.deepEqual(spec.template_files, ["aws_template.yml"]);
    assert.deepEqual(spec.builders, [
      { path: AWS.path, args: {} },
      { path: "com.example.Audit", args: { level: 2 } },
    ]);
  });

  test("a server kit: the server itself with the signed ports and its security override", () => {
    const input = withBuilders(SERVER, [AWS]);
    const { server, clients } = driverSpec(input, planKit(input)).project;
    assert.equal(server.name, "server1.hospital-central.org");
    assert.equal(server.org, "hospital_central");
    assert.equal(server.props.fed_learn_port, 8002);
    assert.equal(server.props.admin_port, 8003);
    assert.equal(server.props.connection_security, "mtls");
    assert.deepEqual(clients, []);
  });

  test("an admin kit: the admin with its role as the certificate type", () => {
    const input = withBuilders(ADMIN, [AWS]);
    const { admins, clients } = driverSpec(input, planKit(input)).project;
    assert.equal(admins[0]?.props.role, "lead");
    assert.deepEqual(clients, []);
  });
});

/** The planned kit as the builders would find it, with `change` applied. */
function staged(input: KitInput, change: (out: StagedOutput) => void = () => {}) {
  const plan = planKit(input);
  const files = new Map<string, StagedFile>();
  for (const [path, file] of plan.tree.files) files.set(path, { bytes: file.bytes, mode: file.mode });
  const out: StagedOutput = { kit: { files, dirs: [...plan.tree.dirs] }, prodFiles: new Map() };
  change(out);
  return { plan, out };
}

const refused = (pattern: RegExp) => (error: unknown) =>
  isFlareError(error, "BUILDER_OUTPUT_REFUSED") && error.exitCode === 4 && pattern.test(error.message);

describe("adoptBuilderOutput: what the builders left, checked", () => {
  const input = withBuilders(CLIENT, [AWS]);

  test("takes added scripts and files beside the kit, with kit modes", () => {
    const { plan, out } = staged(input, (o) => {
      o.kit.files.set("startup/aws_start.sh", { bytes: utf8("#!/bin/sh\n"), mode: 0o775 });
      o.kit.files.set("local/notes.txt", { bytes: utf8("n\n"), mode: 0o664 });
      o.kit.dirs.push("startup/extra");
      o.prodFiles.set("cloud/readme.txt", { bytes: utf8("r\n"), mode: 0o600 });
    });
    const { tree, prodFiles } = adoptBuilderOutput(plan, out);
    assert.equal(tree.files.get("startup/aws_start.sh")?.mode, 0o755);
    assert.equal(tree.files.get("local/notes.txt")?.mode, 0o644);
    assert.equal(tree.files.get("startup/client.key")?.mode, 0o600);
    assert.ok(tree.dirs.includes("startup/extra"));
    assert.deepEqual([...tree.files.keys()], [...tree.files.keys()].sort());
    assert.equal(prodFiles.get("cloud/readme.txt")?.mode, 0o644);
  });

  test("takes a fed_client.json with added settings, the endpoint unchanged", () => {
    const { plan, out } = staged(input, (o) => {
      const path = "startup/fed_client.json";
      const config = JSON.parse(fromUtf8(o.kit.files.get(path)?.bytes ?? new Uint8Array()));
      config.components = [{ id: "audit", path: "com.example.Audit" }];
      o.kit.files.set(path, { bytes: utf8(JSON.stringify(config)), mode: 0o644 });
    });
    assert.match(
      fromUtf8(
        adoptBuilderOutput(plan, out).tree.files.get("startup/fed_client.json")?.bytes ?? new Uint8Array(),
      ),
      /audit/,
    );
  });

  const cases: [string, (o: StagedOutput) => void, RegExp][] = [
    [
      "a replaced key",
      (o) => o.kit.files.set("startup/client.key", { bytes: utf8("x"), mode: 0o600 }),
      /startup\/client\.key was changed/,
    ],
    [
      "a key made readable",
      (o) => {
        const key = o.kit.files.get("startup/client.key") as StagedFile;
        o.kit.files.set("startup/client.key", { ...key, mode: 0o644 });
      },
      /client\.key mode was changed to 0644/,
    ],
    [
      "a replaced root CA",
      (o) => o.kit.files.set("startup/rootCA.pem", { bytes: utf8("x"), mode: 0o644 }),
      /rootCA\.pem was changed/,
    ],
    [
      "a removed certificate",
      (o) => o.kit.files.delete("startup/client.crt"),
      /startup\/client\.crt was removed/,
    ],
    [
      "an added custom CA",
      (o) => o.kit.files.set("startup/customRootCA.pem", { bytes: utf8("x"), mode: 0o644 }),
      /customRootCA\.pem was added/,
    ],
    [
      "a new server target",
      (o) => {
        const path = "startup/fed_client.json";
        const config = JSON.parse(fromUtf8(o.kit.files.get(path)?.bytes ?? new Uint8Array()));
        config.servers[0].service.target = "evil.example.org:8002";
        o.kit.files.set(path, { bytes: utf8(JSON.stringify(config)), mode: 0o644 });
      },
      /fed_client\.json: servers was changed/,
    ],
    [
      "a weaker connection security",
      (o) => {
        const path = "startup/fed_client.json";
        const config = JSON.parse(fromUtf8(o.kit.files.get(path)?.bytes ?? new Uint8Array()));
        config.client.connection_security = "clear";
        o.kit.files.set(path, { bytes: utf8(JSON.stringify(config)), mode: 0o644 });
      },
      /client\.connection_security was changed/,
    ],
    [
      "a fed_client.json that is not JSON",
      (o) => o.kit.files.set("startup/fed_client.json", { bytes: utf8("{"), mode: 0o644 }),
      /no longer valid JSON/,
    ],
    ["a path with ..", (o) => o.prodFiles.set("../x", { bytes: utf8("x"), mode: 0o644 }), /unexpected path/],
  ];
  for (const [name, change, why] of cases) {
    test(`refuses ${name}`, () => {
      const { plan, out } = staged(input, change);
      assert.throws(() => adoptBuilderOutput(plan, out), refused(why));
    });
  }
});
