import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { readFixture } from "../../../test/helpers/fixtures.ts";
import { PyFloat } from "../data/py-float.ts";
import { FlareError } from "../errors/flare-error.ts";
import { type ProjectProfile, parseProjectProfile, readProfileName } from "./parse-profile.ts";

const PATH = "cases/project_profile.yaml";

type Expected<T> = { ok: T } | { code: string; message: string };

function expectFailure(run: () => unknown, code: string, message: string): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof FlareError, String(error));
    assert.equal(error.code, code);
    assert.equal(error.message, message.replace("<path>", PATH));
    return true;
  });
}

/** The first stderr line and the code of a reference error case. */
function reference(errorCase: string): { message: string; code: string } {
  const text = new TextDecoder().decode(readFixture("errors", "expected", errorCase, "text.stderr"));
  return { message: text.split("\n")[0]!, code: /^Code: (\S+) /m.exec(text)![1]! };
}

/**
 * `cert approve` rows 26–28 (validation.md §4.3). Expected codes and messages come from running
 * the reference's profile loader on the same values dumped to YAML; the third column is the
 * request project it compared against.
 */
const PROFILE_CASES: [string, unknown, string | null, Expected<ProjectProfile>][] = [
  [
    "rejects a profile that is not a mapping",
    ["name"],
    null,
    { code: "INVALID_ARGS", message: "Invalid arguments. — yaml must be a mapping: <path>" },
  ],
  [
    "reports every missing field in order",
    { connection_security: "tls" },
    null,
    {
      code: "INVALID_ARGS",
      message: "Invalid arguments. — project profile missing required field(s): name, scheme, server",
    },
  ],
  [
    "treats an empty name and an empty server mapping as missing",
    { name: "", scheme: "grpc", connection_security: "tls", server: {} },
    null,
    {
      code: "INVALID_ARGS",
      message: "Invalid arguments. — project profile missing required field(s): name, server",
    },
  ],
  [
    "treats a zero name as missing",
    {
      name: 0,
      scheme: "grpc",
      connection_security: "tls",
      server: { host: "server1.hospital-central.org", fed_learn_port: 8002, admin_port: 8003 },
    },
    null,
    { code: "INVALID_ARGS", message: "Invalid arguments. — project profile missing required field(s): name" },
  ],
  [
    "rejects a project name that YAML reads as an int",
    {
      name: 12,
      scheme: "grpc",
      connection_security: "tls",
      server: { host: "server1.hospital-central.org", fed_learn_port: 8002, admin_port: 8003 },
    },
    null,
    { code: "INVALID_PROJECT_NAME", message: "Invalid project name." },
  ],
  [
    "rejects a project name with a path",
    {
      name: "../escape",
      scheme: "grpc",
      connection_security: "tls",
      server: { host: "server1.hospital-central.org", fed_learn_port: 8002, admin_port: 8003 },
    },
    null,
    { code: "INVALID_PROJECT_NAME", message: "Invalid project name." },
  ],
  [
    "rejects a profile for another project",
    {
      name: "cancer_research",
      scheme: "grpc",
      connection_security: "tls",
      server: { host: "server1.hospital-central.org", fed_learn_port: 8002, admin_port: 8003 },
    },
    "hospital_federation",
    {
      code: "PROJECT_PROFILE_MISMATCH",
      message: "Request project 'hospital_federation' does not match project profile 'cancer_research'.",
    },
  ],
  [
    "skips the project comparison without a request project",
    {
      name: "cancer_research",
      scheme: "grpc",
      connection_security: "tls",
      server: { host: "server1.hospital-central.org", fed_learn_port: 8002, admin_port: 8003 },
    },
    null,
    {
      ok: {
        name: "cancer_research",
        scheme: "grpc",
        connectionSecurity: "tls",
        server: { host: "server1.hospital-central.org", fedLearnPort: 8002, adminPort: 8003 },
      },
    },
  ],
  [
    "normalizes the scheme",
    {
      name: "hospital_federation",
      scheme: " GRPC ",
      connection_security: "tls",
      server: { host: "server1.hospital-central.org", fed_learn_port: 8002, admin_port: 8003 },
    },
    "hospital_federation",
    {
      ok: {
        name: "hospital_federation",
        scheme: "grpc",
        connectionSecurity: "tls",
        server: { host: "server1.hospital-central.org", fedLearnPort: 8002, adminPort: 8003 },
      },
    },
  ],
  [
    "accepts tcp",
    {
      name: "hospital_federation",
      scheme: "tcp",
      connection_security: "tls",
      server: { host: "server1.hospital-central.org", fed_learn_port: 8002, admin_port: 8003 },
    },
    null,
    {
      ok: {
        name: "hospital_federation",
        scheme: "tcp",
        connectionSecurity: "tls",
        server: { host: "server1.hospital-central.org", fedLearnPort: 8002, adminPort: 8003 },
      },
    },
  ],
  [
    "accepts http",
    {
      name: "hospital_federation",
      scheme: "http",
      connection_security: "tls",
      server: { host: "server1.hospital-central.org", fed_learn_port: 8002, admin_port: 8003 },
    },
    null,
    {
      ok: {
        name: "hospital_federation",
        scheme: "http",
        connectionSecurity: "tls",
        server: { host: "server1.hospital-central.org", fedLearnPort: 8002, adminPort: 8003 },
      },
    },
  ],
  [
    "rejects scheme https",
    {
      name: "hospital_federation",
      scheme: "https",
      connection_security: "tls",
      server: { host: "server1.hospital-central.org", fed_learn_port: 8002, admin_port: 8003 },
    },
    null,
    {
      code: "INVALID_ARGS",
      message: "Invalid arguments. — project profile scheme must be one of: grpc, tcp, http",
    },
  ],
  [
    "rejects a scheme that is not a string",
    {
      name: "hospital_federation",
      scheme: 5,
      connection_security: "tls",
      server: { host: "server1.hospital-central.org", fed_learn_port: 8002, admin_port: 8003 },
    },
    null,
    {
      code: "INVALID_ARGS",
      message: "Invalid arguments. — project profile scheme must be one of: grpc, tcp, http",
    },
  ],
  [
    "normalizes the connection security",
    {
      name: "hospital_federation",
      scheme: "grpc",
      connection_security: "\tMTLS ",
      server: { host: "server1.hospital-central.org", fed_learn_port: 8002, admin_port: 8003 },
    },
    null,
    {
      ok: {
        name: "hospital_federation",
        scheme: "grpc",
        connectionSecurity: "mtls",
        server: { host: "server1.hospital-central.org", fedLearnPort: 8002, adminPort: 8003 },
      },
    },
  ],
  [
    "accepts clear",
    {
      name: "hospital_federation",
      scheme: "grpc",
      connection_security: "clear",
      server: { host: "server1.hospital-central.org", fed_learn_port: 8002, admin_port: 8003 },
    },
    null,
    {
      ok: {
        name: "hospital_federation",
        scheme: "grpc",
        connectionSecurity: "clear",
        server: { host: "server1.hospital-central.org", fedLearnPort: 8002, adminPort: 8003 },
      },
    },
  ],
  [
    "rejects connection security ssl",
    {
      name: "hospital_federation",
      scheme: "grpc",
      connection_security: "ssl",
      server: { host: "server1.hospital-central.org", fed_learn_port: 8002, admin_port: 8003 },
    },
    null,
    {
      code: "INVALID_ARGS",
      message: "Invalid arguments. — project profile connection_security must be one of: clear, tls, mtls",
    },
  ],
  [
    "rejects a connection security that YAML reads as a bool",
    {
      name: "hospital_federation",
      scheme: "grpc",
      connection_security: true,
      server: { host: "server1.hospital-central.org", fed_learn_port: 8002, admin_port: 8003 },
    },
    null,
    {
      code: "INVALID_ARGS",
      message: "Invalid arguments. — project profile connection_security must be one of: clear, tls, mtls",
    },
  ],
  [
    "rejects a server given as a string",
    { name: "hospital_federation", scheme: "grpc", connection_security: "tls", server: "server1" },
    null,
    {
      code: "INVALID_ARGS",
      message: "Invalid arguments. — project profile server must be a mapping with host and fed_learn_port",
    },
  ],
  [
    "rejects a server given as a list",
    { name: "hospital_federation", scheme: "grpc", connection_security: "tls", server: [1] },
    null,
    {
      code: "INVALID_ARGS",
      message: "Invalid arguments. — project profile server must be a mapping with host and fed_learn_port",
    },
  ],
  [
    "rejects an empty host",
    {
      name: "hospital_federation",
      scheme: "grpc",
      connection_security: "tls",
      server: { host: "", fed_learn_port: 8002, admin_port: 8003 },
    },
    null,
    {
      code: "INVALID_ARGS",
      message: "Invalid arguments. — project profile server.host must be a non-empty string",
    },
  ],
  [
    "rejects a blank host",
    {
      name: "hospital_federation",
      scheme: "grpc",
      connection_security: "tls",
      server: { host: "  ", fed_learn_port: 8002, admin_port: 8003 },
    },
    null,
    {
      code: "INVALID_ARGS",
      message: "Invalid arguments. — project profile server.host must be a non-empty string",
    },
  ],
  [
    "rejects a missing host",
    {
      name: "hospital_federation",
      scheme: "grpc",
      connection_security: "tls",
      server: { fed_learn_port: 8002, admin_port: 8003 },
    },
    null,
    {
      code: "INVALID_ARGS",
      message: "Invalid arguments. — project profile server.host must be a non-empty string",
    },
  ],
  [
    "rejects a host that is not a string",
    {
      name: "hospital_federation",
      scheme: "grpc",
      connection_security: "tls",
      server: { host: 5, fed_learn_port: 8002, admin_port: 8003 },
    },
    null,
    {
      code: "INVALID_ARGS",
      message: "Invalid arguments. — project profile server.host must be a non-empty string",
    },
  ],
  [
    "trims the host",
    {
      name: "hospital_federation",
      scheme: "grpc",
      connection_security: "tls",
      server: { host: " server1.org ", fed_learn_port: 8002, admin_port: 8003 },
    },
    null,
    {
      ok: {
        name: "hospital_federation",
        scheme: "grpc",
        connectionSecurity: "tls",
        server: { host: "server1.org", fedLearnPort: 8002, adminPort: 8003 },
      },
    },
  ],
  [
    "accepts an IPv4 host",
    {
      name: "hospital_federation",
      scheme: "grpc",
      connection_security: "tls",
      server: { host: "10.0.0.1", fed_learn_port: 8002, admin_port: 8003 },
    },
    null,
    {
      ok: {
        name: "hospital_federation",
        scheme: "grpc",
        connectionSecurity: "tls",
        server: { host: "10.0.0.1", fedLearnPort: 8002, adminPort: 8003 },
      },
    },
  ],
  [
    "rejects a host with an underscore",
    {
      name: "hospital_federation",
      scheme: "grpc",
      connection_security: "tls",
      server: { host: "bad_host", fed_learn_port: 8002, admin_port: 8003 },
    },
    null,
    {
      code: "INVALID_ARGS",
      message:
        "Invalid arguments. — project profile server.host is invalid: name=bad_host is ill-formatted for entity_type=host_name based on regex_pattern=^(([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9\\-]*[a-zA-Z0-9])\\.)*([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9\\-]*[A-Za-z0-9])$",
    },
  ],
  [
    "rejects an IPv6 host",
    {
      name: "hospital_federation",
      scheme: "grpc",
      connection_security: "tls",
      server: { host: "::1", fed_learn_port: 8002, admin_port: 8003 },
    },
    null,
    {
      code: "INVALID_ARGS",
      message:
        "Invalid arguments. — project profile server.host is invalid: name=::1 is ill-formatted for entity_type=host_name based on regex_pattern=^(([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9\\-]*[a-zA-Z0-9])\\.)*([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9\\-]*[A-Za-z0-9])$",
    },
  ],
  [
    "rejects a missing fed_learn_port",
    {
      name: "hospital_federation",
      scheme: "grpc",
      connection_security: "tls",
      server: { host: "server1.hospital-central.org", admin_port: 8003 },
    },
    null,
    {
      code: "INVALID_ARGS",
      message:
        "Invalid arguments. — project profile server.fed_learn_port must be an integer from 1 to 65535",
    },
  ],
  [
    "rejects a fed_learn_port given as a string",
    {
      name: "hospital_federation",
      scheme: "grpc",
      connection_security: "tls",
      server: { host: "server1.hospital-central.org", fed_learn_port: "8002", admin_port: 8003 },
    },
    null,
    {
      code: "INVALID_ARGS",
      message:
        "Invalid arguments. — project profile server.fed_learn_port must be an integer from 1 to 65535",
    },
  ],
  [
    "rejects a fed_learn_port given as a float",
    {
      name: "hospital_federation",
      scheme: "grpc",
      connection_security: "tls",
      server: { host: "server1.hospital-central.org", fed_learn_port: new PyFloat(8002.0), admin_port: 8003 },
    },
    null,
    {
      code: "INVALID_ARGS",
      message:
        "Invalid arguments. — project profile server.fed_learn_port must be an integer from 1 to 65535",
    },
  ],
  [
    "rejects a boolean fed_learn_port",
    {
      name: "hospital_federation",
      scheme: "grpc",
      connection_security: "tls",
      server: { host: "server1.hospital-central.org", fed_learn_port: true, admin_port: 8003 },
    },
    null,
    {
      code: "INVALID_ARGS",
      message:
        "Invalid arguments. — project profile server.fed_learn_port must be an integer from 1 to 65535",
    },
  ],
  [
    "rejects fed_learn_port 0",
    {
      name: "hospital_federation",
      scheme: "grpc",
      connection_security: "tls",
      server: { host: "server1.hospital-central.org", fed_learn_port: 0, admin_port: 8003 },
    },
    null,
    {
      code: "INVALID_ARGS",
      message:
        "Invalid arguments. — project profile server.fed_learn_port must be an integer from 1 to 65535",
    },
  ],
  [
    "rejects fed_learn_port 65536",
    {
      name: "hospital_federation",
      scheme: "grpc",
      connection_security: "tls",
      server: { host: "server1.hospital-central.org", fed_learn_port: 65536, admin_port: 8003 },
    },
    null,
    {
      code: "INVALID_ARGS",
      message:
        "Invalid arguments. — project profile server.fed_learn_port must be an integer from 1 to 65535",
    },
  ],
  [
    "accepts ports 1 and 65535",
    {
      name: "hospital_federation",
      scheme: "grpc",
      connection_security: "tls",
      server: { host: "server1.hospital-central.org", fed_learn_port: 1, admin_port: 65535 },
    },
    null,
    {
      ok: {
        name: "hospital_federation",
        scheme: "grpc",
        connectionSecurity: "tls",
        server: { host: "server1.hospital-central.org", fedLearnPort: 1, adminPort: 65535 },
      },
    },
  ],
  [
    "defaults a missing admin_port to fed_learn_port",
    {
      name: "hospital_federation",
      scheme: "grpc",
      connection_security: "tls",
      server: { host: "server1.hospital-central.org", fed_learn_port: 8002 },
    },
    null,
    {
      ok: {
        name: "hospital_federation",
        scheme: "grpc",
        connectionSecurity: "tls",
        server: { host: "server1.hospital-central.org", fedLearnPort: 8002, adminPort: 8002 },
      },
    },
  ],
  [
    "defaults a null admin_port to fed_learn_port",
    {
      name: "hospital_federation",
      scheme: "grpc",
      connection_security: "tls",
      server: { host: "server1.hospital-central.org", fed_learn_port: 8002, admin_port: null },
    },
    null,
    {
      ok: {
        name: "hospital_federation",
        scheme: "grpc",
        connectionSecurity: "tls",
        server: { host: "server1.hospital-central.org", fedLearnPort: 8002, adminPort: 8002 },
      },
    },
  ],
  [
    "rejects admin_port 0",
    {
      name: "hospital_federation",
      scheme: "grpc",
      connection_security: "tls",
      server: { host: "server1.hospital-central.org", fed_learn_port: 8002, admin_port: 0 },
    },
    null,
    {
      code: "INVALID_ARGS",
      message: "Invalid arguments. — project profile server.admin_port must be an integer from 1 to 65535",
    },
  ],
  [
    "rejects an admin_port given as a string",
    {
      name: "hospital_federation",
      scheme: "grpc",
      connection_security: "tls",
      server: { host: "server1.hospital-central.org", fed_learn_port: 8002, admin_port: "8003" },
    },
    null,
    {
      code: "INVALID_ARGS",
      message: "Invalid arguments. — project profile server.admin_port must be an integer from 1 to 65535",
    },
  ],
  [
    "ignores unknown keys",
    {
      name: "hospital_federation",
      scheme: "grpc",
      connection_security: "tls",
      server: { host: "server1.hospital-central.org", fed_learn_port: 8002, admin_port: 8003, extra: true },
      extra: { x: 1 },
    },
    null,
    {
      ok: {
        name: "hospital_federation",
        scheme: "grpc",
        connectionSecurity: "tls",
        server: { host: "server1.hospital-central.org", fedLearnPort: 8002, adminPort: 8003 },
      },
    },
  ],
];

/** `cert init` rows 4–6 (validation.md §4.1), from the reference's name reader. */
const NAME_CASES: [string, unknown, null, Expected<string>][] = [
  [
    "rejects a profile that is not a mapping",
    "just text",
    null,
    { code: "INVALID_ARGS", message: "Invalid arguments. — yaml must be a mapping: <path>" },
  ],
  [
    "rejects a profile without a name",
    { scheme: "grpc" },
    null,
    { code: "INVALID_ARGS", message: "Invalid arguments. — project profile missing required field: name" },
  ],
  [
    "rejects an empty name",
    { name: "" },
    null,
    { code: "INVALID_ARGS", message: "Invalid arguments. — project profile missing required field: name" },
  ],
  [
    "rejects a name that YAML reads as false",
    { name: false },
    null,
    { code: "INVALID_ARGS", message: "Invalid arguments. — project profile missing required field: name" },
  ],
  [
    "rejects a name that YAML reads as an int",
    { name: 12 },
    null,
    { code: "INVALID_PROJECT_NAME", message: "Invalid project name." },
  ],
  [
    "rejects the name ../escape",
    { name: "../escape" },
    null,
    { code: "INVALID_PROJECT_NAME", message: "Invalid project name." },
  ],
  [
    "rejects a name with a space",
    { name: "hospital federation" },
    null,
    { code: "INVALID_PROJECT_NAME", message: "Invalid project name." },
  ],
  [
    "reads only the name",
    { name: "hospital_federation", scheme: "bogus", server: 5 },
    null,
    { ok: "hospital_federation" },
  ],
  ["accepts dots, hyphens and underscores", { name: "a.b-c_d" }, null, { ok: "a.b-c_d" }],
];

describe("parseProjectProfile (reference verdicts)", () => {
  for (const [label, value, requestProject, expected] of PROFILE_CASES) {
    it(label, () => {
      const run = () => parseProjectProfile(value, PATH, requestProject ?? undefined);
      if ("ok" in expected) assert.deepEqual(run(), expected.ok);
      else expectFailure(run, expected.code, expected.message);
    });
  }

  it("fails like the reference for project-profile-mismatch", () => {
    const profile = {
      name: "cancer_research",
      scheme: "grpc",
      connection_security: "tls",
      server: { host: "server1.hospital-central.org", fed_learn_port: 8002, admin_port: 8003 },
    };
    const { code, message } = reference("project-profile-mismatch");
    expectFailure(() => parseProjectProfile(profile, PATH, "hospital_federation"), code, message);
  });

  it("keeps the mismatch hint of the reference", () => {
    const profile = {
      name: "b",
      scheme: "grpc",
      connection_security: "tls",
      server: { host: "h", fed_learn_port: 1 },
    };
    assert.throws(
      () => parseProjectProfile(profile, PATH, "a"),
      (error: unknown) =>
        error instanceof FlareError &&
        error.hint === "Use the project_profile.yaml for the same federation as the request." &&
        error.exitCode === 4,
    );
  });

  it("compares the project before it looks at the scheme", () => {
    const profile = {
      name: "b",
      scheme: "bogus",
      connection_security: "tls",
      server: { host: "h", fed_learn_port: 1 },
    };
    assert.throws(
      () => parseProjectProfile(profile, PATH, "a"),
      (error: unknown) => error instanceof FlareError && error.code === "PROJECT_PROFILE_MISMATCH",
    );
  });

  it("rejects a Windows device name as the profile's project name (hardening)", () => {
    const profile = {
      name: "PRN",
      scheme: "grpc",
      connection_security: "tls",
      server: { host: "h", fed_learn_port: 1 },
    };
    assert.throws(
      () => parseProjectProfile(profile, PATH),
      (error: unknown) =>
        error instanceof FlareError &&
        error.code === "INVALID_PROJECT_NAME" &&
        error.message.startsWith(
          "Invalid project name. — project name 'PRN' is a reserved Windows device name",
        ),
    );
  });

  it("rejects a float admin_port", () => {
    const profile = {
      name: "p",
      scheme: "grpc",
      connection_security: "tls",
      server: { host: "h", fed_learn_port: 8002, admin_port: new PyFloat(8003) },
    };
    expectFailure(
      () => parseProjectProfile(profile, PATH),
      "INVALID_ARGS",
      "Invalid arguments. — project profile server.admin_port must be an integer from 1 to 65535",
    );
  });
});

describe("readProfileName (reference verdicts)", () => {
  for (const [label, value, , expected] of NAME_CASES) {
    it(label, () => {
      const run = () => readProfileName(value, PATH);
      if ("ok" in expected) assert.equal(run(), expected.ok);
      else expectFailure(run, expected.code, expected.message);
    });
  }

  it("fails like the reference for invalid-project-name-init", () => {
    const { code, message } = reference("invalid-project-name-init");
    expectFailure(() => readProfileName({ name: "../escape", scheme: "grpc" }, PATH), code, message);
  });

  it("rejects a 64-character name up front (hardening; the reference truncates it at package time)", () => {
    assert.throws(
      () => readProfileName({ name: "x".repeat(64) }, PATH),
      (error: unknown) =>
        error instanceof FlareError &&
        error.code === "INVALID_PROJECT_NAME" &&
        error.message.includes("is 64 characters long; at most 63"),
    );
    assert.equal(readProfileName({ name: "x".repeat(63) }, PATH), "x".repeat(63));
  });
});
