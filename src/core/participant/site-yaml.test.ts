import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, it } from "node:test";
import { FIXTURES } from "../../../test/helpers/fixtures.ts";
import { PyFloat } from "../data/py-float.ts";
import { FlareError } from "../errors/flare-error.ts";
import { parseParticipantDefinition } from "./parse-participant.ts";
import {
  buildLocalSiteDocument,
  checkSanitizedSiteParticipant,
  checkSiteIdentityMatches,
  compareSiteIdentity,
  readSiteIdentity,
  sanitizeSiteDocument,
} from "./site-yaml.ts";
import type { Mapping, SiteIdentity } from "./types.ts";

/** Deep equality that also pins key order (deepStrictEqual ignores it). */
function assertSameDocument(actual: unknown, expected: unknown): void {
  assert.deepEqual(actual, expected);
  assert.equal(JSON.stringify(actual), JSON.stringify(expected));
}

function fails(run: () => unknown, code: string, message: string, hint?: string): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof FlareError, String(error));
    assert.equal(error.code, code);
    assert.equal(error.message, message);
    if (hint !== undefined) assert.equal(error.hint, hint);
    return true;
  });
}

/**
 * Reference inputs and what `cert request` wrote for them: the parsed participant file, the
 * parsed request-folder `site.yaml`, and the parsed `site.yaml` inside the request zip.
 */
const REFERENCE_SITES: { file: string; input: Mapping; local: Mapping; sanitized: Mapping }[] = [
  {
    file: "hospital/work/server.yaml",
    input: {
      name: "hospital_federation",
      description: "Central FL server for hospital network",
      participants: [
        {
          name: "server1.hospital-central.org",
          type: "server",
          org: "hospital_central",
          host_names: ["10.0.1.50", "fl-server.internal"],
          connection_security: "mtls",
        },
      ],
    },
    local: {
      name: "hospital_federation",
      description: "Central FL server for hospital network",
      participants: [
        {
          name: "server1.hospital-central.org",
          type: "server",
          org: "hospital_central",
          host_names: ["10.0.1.50", "fl-server.internal"],
          connection_security: "mtls",
        },
      ],
    },
    sanitized: {
      name: "hospital_federation",
      description: "Central FL server for hospital network",
      participants: [
        {
          name: "server1.hospital-central.org",
          type: "server",
          org: "hospital_central",
          host_names: ["10.0.1.50", "fl-server.internal"],
        },
      ],
    },
  },
  {
    file: "hospital/work/bob.yaml",
    input: {
      name: "hospital_federation",
      participants: [
        { name: "bob@hospital-alpha.org", type: "admin", org: "hospital_alpha", role: "org_admin" },
      ],
    },
    local: {
      name: "hospital_federation",
      participants: [
        { name: "bob@hospital-alpha.org", type: "admin", org: "hospital_alpha", role: "org_admin" },
      ],
    },
    sanitized: {
      name: "hospital_federation",
      participants: [
        { name: "bob@hospital-alpha.org", type: "admin", org: "hospital_alpha", role: "org_admin" },
      ],
    },
  },
  {
    file: "builders/work/participants/site-b.full.yaml",
    input: {
      name: "hospital_federation",
      description: "every stock builder the package command accepts for a single client",
      participants: [{ name: "site-b", type: "client", org: "hospital_beta" }],
      builders: [
        {
          path: "nvflare.lighter.impl.workspace.WorkspaceBuilder",
          args: { template_file: ["master_template.yml", "aws_template.yml", "azure_template.yml"] },
        },
        {
          path: "nvflare.lighter.impl.static_file.StaticFileBuilder",
          args: {
            config_folder: "config",
            scheme: "http",
            require_signed_jobs: false,
            docker_image: "nvflare/nvflare:latest",
            download_job_url: "https://download.example.org/",
          },
        },
        { path: "nvflare.lighter.impl.aws.AWSBuilder" },
        { path: "nvflare.lighter.impl.azure.AzureBuilder" },
        { path: "nvflare.lighter.impl.docker.DockerBuilder", args: { base_image: "python:3.10" } },
        { path: "nvflare.lighter.impl.cert.CertBuilder" },
        { path: "nvflare.lighter.impl.signature.SignatureBuilder" },
      ],
    },
    local: {
      name: "hospital_federation",
      description: "every stock builder the package command accepts for a single client",
      participants: [{ name: "site-b", type: "client", org: "hospital_beta" }],
      builders: [
        {
          path: "nvflare.lighter.impl.workspace.WorkspaceBuilder",
          args: { template_file: ["master_template.yml", "aws_template.yml", "azure_template.yml"] },
        },
        {
          path: "nvflare.lighter.impl.static_file.StaticFileBuilder",
          args: {
            config_folder: "config",
            scheme: "http",
            require_signed_jobs: false,
            docker_image: "nvflare/nvflare:latest",
            download_job_url: "https://download.example.org/",
          },
        },
        { path: "nvflare.lighter.impl.aws.AWSBuilder" },
        { path: "nvflare.lighter.impl.azure.AzureBuilder" },
        { path: "nvflare.lighter.impl.docker.DockerBuilder", args: { base_image: "python:3.10" } },
        { path: "nvflare.lighter.impl.cert.CertBuilder" },
        { path: "nvflare.lighter.impl.signature.SignatureBuilder" },
      ],
    },
    sanitized: {
      name: "hospital_federation",
      description: "every stock builder the package command accepts for a single client",
      participants: [{ name: "site-b", type: "client", org: "hospital_beta" }],
    },
  },
  {
    file: "local-demo/grpc-tls-server-mtls/work/server.yaml",
    input: {
      name: "local_demo",
      description: "Local demo FL server",
      participants: [
        {
          name: "localhost",
          type: "server",
          org: "demo_org",
          default_host: "localhost",
          connection_security: "mtls",
          host_names: ["127.0.0.1"],
        },
      ],
    },
    local: {
      name: "local_demo",
      description: "Local demo FL server",
      participants: [
        {
          name: "localhost",
          type: "server",
          org: "demo_org",
          default_host: "localhost",
          connection_security: "mtls",
          host_names: ["127.0.0.1"],
        },
      ],
    },
    sanitized: {
      name: "local_demo",
      description: "Local demo FL server",
      participants: [
        {
          name: "localhost",
          type: "server",
          org: "demo_org",
          default_host: "localhost",
          host_names: ["127.0.0.1"],
        },
      ],
    },
  },
];

function checkAgainstReference(entry: { input: Mapping; local: Mapping; sanitized: Mapping }): void {
  const def = parseParticipantDefinition(entry.input, "participant.yaml");
  const local = buildLocalSiteDocument(def);
  assertSameDocument(local, entry.local);
  assertSameDocument(sanitizeSiteDocument(local), entry.sanitized);
}

describe("buildLocalSiteDocument / sanitizeSiteDocument against reference request folders", () => {
  for (const entry of REFERENCE_SITES) {
    it(`reproduces both site.yaml copies of ${entry.file}`, () => checkAgainstReference(entry));
  }

  // Reads every participant file the reference requested with, its request-folder site.yaml and
  // the site.yaml in its request zip, with PyYAML (the reference's reader).
  const script = `
import glob, json, os, shlex, sys, zipfile
import yaml
root = sys.argv[1]
out = []
for cmd_path in sorted(glob.glob(os.path.join(root, "**", "logs", "*.cmd"), recursive=True)):
    argv = shlex.split(open(cmd_path).read())
    if argv[1:3] != ["cert", "request"]:
        continue
    rc_path = cmd_path[:-4] + ".rc"
    if os.path.exists(rc_path) and open(rc_path).read().strip() != "0":
        continue
    work = os.path.join(os.path.dirname(os.path.dirname(cmd_path)), "work")
    participant = argv[argv.index("--participant") + 1]
    with open(os.path.join(work, participant)) as f:
        doc = yaml.safe_load(f)
    name = str(doc["participants"][0]["name"]).strip()
    folder = argv[argv.index("--out") + 1] if "--out" in argv else name
    with open(os.path.join(work, folder, "site.yaml")) as f:
        local = yaml.safe_load(f)
    with zipfile.ZipFile(os.path.join(work, folder, name + ".request.zip")) as z:
        sanitized = yaml.safe_load(z.read("site.yaml"))
    out.append({"file": os.path.relpath(os.path.join(work, participant), root), "input": doc, "local": local, "sanitized": sanitized})
json.dump(out, sys.stdout)
`;
  const run = spawnSync("python3", ["-c", script, FIXTURES], { encoding: "utf8" });
  const available = run.status === 0;
  it("reproduces every reference request folder (read with PyYAML)", {
    skip: available ? false : "python3 with PyYAML is not available",
  }, () => {
    const entries = JSON.parse(run.stdout) as {
      file: string;
      input: Mapping;
      local: Mapping;
      sanitized: Mapping;
    }[];
    assert.ok(entries.length >= 30, `found ${entries.length} reference requests`);
    for (const entry of entries) {
      assert.doesNotThrow(() => checkAgainstReference(entry), entry.file);
    }
  });
});

describe("buildLocalSiteDocument", () => {
  const input = {
    api_version: 3,
    name: "hospital_federation",
    participants: [
      {
        name: "dave@hospital-alpha.org",
        type: "admin",
        org: "hospital_alpha",
        role: " org-admin ",
        connection_security: "TLS",
        weight: new PyFloat(0.5),
      },
    ],
    packager: { x: 1 },
    zeta: null,
  };

  it("writes the normalized admin role in place and keeps every key in order", () => {
    const local = buildLocalSiteDocument(parseParticipantDefinition(input, "p.yaml"));
    assertSameDocument(local, {
      api_version: 3,
      name: "hospital_federation",
      participants: [
        {
          name: "dave@hospital-alpha.org",
          type: "admin",
          org: "hospital_alpha",
          role: "org_admin",
          connection_security: "TLS",
          weight: new PyFloat(0.5),
        },
      ],
      packager: { x: 1 },
      zeta: null,
    });
  });

  it("copies instead of sharing the input's mappings and lists", () => {
    const def = parseParticipantDefinition(input, "p.yaml");
    const local = buildLocalSiteDocument(def);
    assert.notEqual(local.participants, input.participants);
    assert.notEqual((local.participants as Mapping[])[0], input.participants[0]);
    assert.notEqual(local.packager, input.packager);
    assert.equal(input.participants[0]!.role, " org-admin ");
  });

  it("keeps a __proto__ key as data", () => {
    const doc = JSON.parse(
      '{"name": "p", "participants": [{"name": "s", "type": "client", "org": "o"}], "__proto__": {"x": 1}}',
    );
    const local = buildLocalSiteDocument(parseParticipantDefinition(doc, "p.yaml"));
    assert.deepEqual(Object.keys(local), ["name", "participants", "__proto__"]);
    assert.equal(Object.getPrototypeOf(local), Object.prototype);
  });
});

describe("sanitizeSiteDocument", () => {
  it("drops builders, packager and the participant's endpoint and security fields, in order", () => {
    const doc = {
      builders: [],
      name: "p",
      packager: {},
      participants: [
        {
          name: "s",
          server: {},
          type: "client",
          fed_learn_port: 1,
          org: "o",
          admin_port: 2,
          connection_security: "tls",
          capacity: { num_of_gpus: 1 },
        },
      ],
      description: "d",
    };
    assertSameDocument(sanitizeSiteDocument(doc), {
      name: "p",
      participants: [{ name: "s", type: "client", org: "o", capacity: { num_of_gpus: 1 } }],
      description: "d",
    });
    assert.equal(doc.builders.length, 0, "the input keeps its keys");
    assert.ok("connection_security" in doc.participants[0]!);
  });

  it("copies a legacy flat site.yaml unchanged", () => {
    const flat = { project: "p", name: "s", org: "o", type: "client", builders: [1] };
    const copy = sanitizeSiteDocument(flat);
    assertSameDocument(copy, flat);
    assert.notEqual(copy.builders, flat.builders);
  });
});

const CLIENT_SITE = {
  name: "hospital_federation",
  participants: [{ name: "site-1", type: "client", org: "hospital_alpha" }],
};

describe("readSiteIdentity", () => {
  it("derives a client identity", () => {
    for (const context of ["approve", "package"] as const) {
      assert.deepEqual(readSiteIdentity(CLIENT_SITE, context), {
        project: "hospital_federation",
        name: "site-1",
        org: "hospital_alpha",
        kind: "site",
        certType: "client",
        certRole: null,
        participant: CLIENT_SITE.participants[0],
      });
    }
  });

  it("normalizes an admin role in both contexts; approve also trims", () => {
    const site = {
      name: "p",
      participants: [{ name: "a@x.org", type: "admin", org: "o", role: "org-admin" }],
    };
    assert.equal(readSiteIdentity(site, "approve").certRole, "org_admin");
    assert.equal(readSiteIdentity(site, "package").certType, "org_admin");
    const spaced = {
      name: "p",
      participants: [{ name: "a@x.org", type: "admin", org: "o", role: " lead " }],
    };
    assert.equal(readSiteIdentity(spaced, "approve").certType, "lead");
    assert.equal(readSiteIdentity(spaced, "package").certType, "", "package does not trim (reference)");
  });

  it("derives a server identity", () => {
    const site = {
      name: "p",
      participants: [{ name: "s.org", type: "server", org: "o", host_names: ["a"] }],
    };
    const identity = readSiteIdentity(site, "approve");
    assert.deepEqual([identity.kind, identity.certType, identity.certRole], ["server", "server", null]);
  });

  it("reads the legacy flat form, type before cert_type", () => {
    const flat = {
      project: "p",
      name: "s",
      org: "o",
      type: "",
      cert_type: "client",
      kind: "site",
      cert_role: null,
    };
    assert.deepEqual(readSiteIdentity(flat, "approve"), {
      project: "p",
      name: "s",
      org: "o",
      kind: "site",
      certType: "client",
      certRole: null,
      participant: null,
    });
    assert.equal(readSiteIdentity({ ...flat, type: "server" }, "package").certType, "server");
  });

  const notOne: [string, unknown][] = [
    ["a list", [CLIENT_SITE]],
    ["an empty participants list", { name: "p", participants: [] }],
    [
      "two participants",
      { name: "p", participants: [CLIENT_SITE.participants[0], CLIENT_SITE.participants[0]] },
    ],
    ["a participant that is not a mapping", { name: "p", participants: ["site-1"] }],
  ];
  for (const [label, doc] of notOne) {
    it(`refuses ${label} in approve with INVALID_ARGS`, () => {
      fails(
        () => readSiteIdentity(doc, "approve"),
        "INVALID_ARGS",
        "Invalid arguments. — site.yaml must identify exactly one participant",
      );
    });
    it(`refuses ${label} in package with INVALID_SIGNED_ZIP`, () => {
      fails(
        () => readSiteIdentity(doc, "package"),
        "INVALID_SIGNED_ZIP",
        "site.yaml must identify exactly one participant.",
        "Ask the Project Admin to regenerate the signed zip.",
      );
    });
  }

  it("refuses a relay in package, and in approve with the request rule's message", () => {
    const site = { name: "p", participants: [{ name: "r", type: "relay", org: "o" }] };
    fails(
      () => readSiteIdentity(site, "package"),
      "INVALID_SIGNED_ZIP",
      "site.yaml must identify exactly one participant.",
    );
    fails(
      () => readSiteIdentity(site, "approve"),
      "INVALID_ARGS",
      "Invalid arguments. — participant type must be one of: client, server, admin",
    );
  });

  it("applies the request rules in approve (rows 5–10)", () => {
    fails(
      () => readSiteIdentity({ name: "p", participants: [{ name: "s", type: "client" }] }, "approve"),
      "INVALID_ARGS",
      "Invalid arguments. — participant definition participants[0] must contain: name, org, type",
    );
    fails(
      () => readSiteIdentity({ participants: [{ name: "s", type: "client", org: "o" }] }, "approve"),
      "INVALID_PROJECT_NAME",
      "Invalid project name.",
    );
    fails(
      () =>
        readSiteIdentity({ name: "p", participants: [{ name: "a.b", type: "client", org: "o" }] }, "approve"),
      "INVALID_ARGS",
      "Invalid arguments. — name=a.b is ill-formatted for entity_type=client based on regex_pattern=^[A-Za-z0-9-_]+$",
    );
  });

  it("reads raw values in package without validating them", () => {
    const site = { name: 12, participants: [{ name: " s ", type: "client", org: "bad-org" }] };
    const identity = readSiteIdentity(site, "package");
    assert.deepEqual([identity.project, identity.name, identity.org], [12, " s ", "bad-org"]);
  });
});

const REQUEST = {
  project: "hospital_federation",
  name: "alice@hospital-alpha.org",
  org: "hospital_alpha",
  kind: "user",
  cert_type: "lead",
  cert_role: "lead",
};

function site(overrides: Partial<SiteIdentity> = {}): SiteIdentity {
  return {
    project: "hospital_federation",
    name: "alice@hospital-alpha.org",
    org: "hospital_alpha",
    kind: "user",
    certType: "lead",
    certRole: "lead",
    participant: null,
    ...overrides,
  };
}

describe("compareSiteIdentity", () => {
  it("returns null when all six fields agree", () => {
    assert.equal(compareSiteIdentity(site(), REQUEST), null);
  });

  it("reports the first difference in the order name, org, cert_type, project, kind, cert_role", () => {
    const all = site({ name: "x", org: "x", certType: "x", project: "x", kind: "x", certRole: "x" });
    assert.equal(compareSiteIdentity(all, REQUEST), "name");
    assert.equal(compareSiteIdentity(site({ org: "x", project: "x" }), REQUEST), "org");
    assert.equal(compareSiteIdentity(site({ project: "x", certType: "member" }), REQUEST), "cert_type");
    assert.equal(compareSiteIdentity(site({ project: "x", kind: "site" }), REQUEST), "project");
    assert.equal(compareSiteIdentity(site({ kind: "site", certRole: null }), REQUEST), "kind");
    assert.equal(compareSiteIdentity(site({ certRole: null }), REQUEST), "cert_role");
  });

  it("treats null, absent and empty as the same value", () => {
    const client = { ...REQUEST, kind: "site", cert_type: "client", name: "site-1" };
    const clientSite = site({ kind: "site", certType: "client", name: "site-1" });
    assert.equal(
      compareSiteIdentity({ ...clientSite, certRole: null }, { ...client, cert_role: undefined }),
      null,
    );
    assert.equal(compareSiteIdentity({ ...clientSite, certRole: "" }, { ...client, cert_role: null }), null);
    assert.equal(
      compareSiteIdentity({ ...clientSite, certRole: undefined }, { ...client, cert_role: "" }),
      null,
    );
  });

  it("does not equate an int with its string", () => {
    assert.equal(compareSiteIdentity(site({ name: 5 }), { ...REQUEST, name: "5" }), "name");
  });

  it("follows a caller's field order", () => {
    const different = site({ name: "x", project: "y" });
    assert.equal(compareSiteIdentity(different, REQUEST, ["project", "name"]), "project");
  });
});

describe("checkSiteIdentityMatches", () => {
  it("passes a matching identity", () => {
    assert.doesNotThrow(() => checkSiteIdentityMatches(site(), REQUEST, "approve"));
  });

  it("names the field in approve's INVALID_ARGS detail", () => {
    fails(
      () => checkSiteIdentityMatches(site({ org: "other" }), REQUEST, "approve"),
      "INVALID_ARGS",
      "Invalid arguments. — site.yaml field 'org' does not match request metadata",
    );
  });

  it("names the field in package's INVALID_SIGNED_ZIP message", () => {
    fails(
      () => checkSiteIdentityMatches(site({ certRole: "member" }), REQUEST, "package"),
      "INVALID_SIGNED_ZIP",
      "site.yaml field 'cert_role' does not match signed metadata.",
      "Ask the Project Admin to regenerate the signed zip.",
    );
  });
});

describe("checkSanitizedSiteParticipant", () => {
  const withProps = (props: Mapping) =>
    site({ participant: { name: "s", type: "client", org: "o", ...props } });

  it("accepts a participant without overrides, and a flat site.yaml", () => {
    assert.doesNotThrow(() => checkSanitizedSiteParticipant(withProps({ host_names: ["a"] }), "approve"));
    assert.doesNotThrow(() => checkSanitizedSiteParticipant(withProps({}), "package"));
    assert.doesNotThrow(() => checkSanitizedSiteParticipant(site(), "package"));
  });

  it("refuses a connection_security override (approve, then package)", () => {
    const identity = withProps({ listening_host: "h", connection_security: "tls" });
    fails(
      () => checkSanitizedSiteParticipant(identity, "approve"),
      "INVALID_ARGS",
      "Invalid arguments. — approval site.yaml must not contain participant connection_security overrides",
    );
    fails(
      () => checkSanitizedSiteParticipant(identity, "package"),
      "INVALID_SIGNED_ZIP",
      "Signed zip site.yaml must not contain participant connection_security overrides.",
      "Ask the Project Admin to regenerate the signed zip.",
    );
  });

  it("refuses listening_host", () => {
    fails(
      () => checkSanitizedSiteParticipant(withProps({ listening_host: null }), "approve"),
      "INVALID_ARGS",
      "Invalid arguments. — approval site.yaml must not contain listening_host; distributed provisioning does not support listener certificates yet",
    );
    fails(
      () => checkSanitizedSiteParticipant(withProps({ listening_host: "h" }), "package"),
      "INVALID_SIGNED_ZIP",
      "Signed zip site.yaml must not contain listening_host.",
      "Distributed provisioning does not support listener certificates yet; use centralized provisioning.",
    );
  });

  it("refuses endpoint fields in package only, listing them in a fixed order", () => {
    const identity = withProps({ admin_port: 1, server: {} });
    assert.doesNotThrow(() => checkSanitizedSiteParticipant(identity, "approve"));
    fails(
      () => checkSanitizedSiteParticipant(identity, "package"),
      "INVALID_SIGNED_ZIP",
      "Signed zip site.yaml must not contain endpoint field(s): server, admin_port.",
      "Use the endpoint information stored in signed.json.",
    );
  });
});
