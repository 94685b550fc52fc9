import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { readFixture } from "../../../test/helpers/fixtures.ts";
import { PyFloat } from "../data/py-float.ts";
import { FlareError } from "../errors/flare-error.ts";
import { YamlTimestamp } from "../yaml/parse-yaml.ts";
import {
  centralizedParticipantProblem,
  deriveParticipantIdentity,
  parseParticipantDefinition,
} from "./parse-participant.ts";

const PATH = "cases/participant.yaml";

type Expected = { ok: { name: string; certType: string; kind: string } } | { code: string; message: string };

/**
 * Every check of `cert request` rows 2–13' (validation.md §4.2), one row per rule. The
 * expected codes and messages were produced by running the reference's own participant
 * loader on the same values dumped to YAML (`<path>` stands for the file path).
 */
const CASES: [string, unknown, Expected][] = [
  [
    "rejects a definition that is not a mapping",
    ["a"],
    { code: "INVALID_ARGS", message: "Invalid arguments. — yaml must be a mapping: <path>" },
  ],
  [
    "rejects a definition without a project name",
    { participants: [{ name: "site-1", type: "client", org: "hospital_alpha" }] },
    {
      code: "INVALID_ARGS",
      message: "Invalid arguments. — participant definition must contain top-level name and participants",
    },
  ],
  [
    "rejects an empty project name",
    { name: "", participants: [{ name: "site-1", type: "client", org: "hospital_alpha" }] },
    {
      code: "INVALID_ARGS",
      message: "Invalid arguments. — participant definition must contain top-level name and participants",
    },
  ],
  [
    "rejects participants given as a mapping",
    { name: "p", participants: { name: "site-1", type: "client", org: "hospital_alpha" } },
    {
      code: "INVALID_ARGS",
      message: "Invalid arguments. — participant definition must contain top-level name and participants",
    },
  ],
  [
    "rejects an empty participants list",
    { name: "hospital_federation", participants: [] },
    {
      code: "INVALID_ARGS",
      message: "Invalid arguments. — participant definition must contain exactly one participants[0] entry",
    },
  ],
  [
    "rejects two participants",
    {
      name: "hospital_federation",
      participants: [
        { name: "site-1", type: "client", org: "hospital_alpha" },
        { name: "site-2", type: "client", org: "hospital_alpha" },
      ],
    },
    {
      code: "INVALID_ARGS",
      message: "Invalid arguments. — participant definition must contain exactly one participants[0] entry",
    },
  ],
  [
    "rejects a participant that is not a mapping",
    { name: "hospital_federation", participants: ["site-1"] },
    {
      code: "INVALID_ARGS",
      message: "Invalid arguments. — participant definition participants[0] must be a mapping",
    },
  ],
  [
    "rejects a participant without an org",
    { name: "hospital_federation", participants: [{ name: "site-1", type: "client" }] },
    {
      code: "INVALID_ARGS",
      message: "Invalid arguments. — participant definition participants[0] must contain: name, org, type",
    },
  ],
  [
    "rejects a participant whose name is 0",
    { name: "hospital_federation", participants: [{ name: 0, type: "client", org: "hospital_alpha" }] },
    {
      code: "INVALID_ARGS",
      message: "Invalid arguments. — participant definition participants[0] must contain: name, org, type",
    },
  ],
  [
    "rejects a participant with an empty type",
    { name: "hospital_federation", participants: [{ name: "site-1", type: "", org: "hospital_alpha" }] },
    {
      code: "INVALID_ARGS",
      message: "Invalid arguments. — participant definition participants[0] must contain: name, org, type",
    },
  ],
  [
    "rejects a project name with a space",
    {
      name: "hospital federation",
      participants: [{ name: "site-1", type: "client", org: "hospital_alpha" }],
    },
    { code: "INVALID_PROJECT_NAME", message: "Invalid project name." },
  ],
  [
    "rejects a project name that YAML reads as an int",
    { name: 12, participants: [{ name: "site-1", type: "client", org: "hospital_alpha" }] },
    { code: "INVALID_PROJECT_NAME", message: "Invalid project name." },
  ],
  [
    "rejects a project name with a path",
    { name: "../escape", participants: [{ name: "site-1", type: "client", org: "hospital_alpha" }] },
    { code: "INVALID_PROJECT_NAME", message: "Invalid project name." },
  ],
  [
    "rejects a project name starting with a dot",
    { name: ".hidden", participants: [{ name: "site-1", type: "client", org: "hospital_alpha" }] },
    { code: "INVALID_PROJECT_NAME", message: "Invalid project name." },
  ],
  [
    "rejects a 65-character project name",
    {
      name: "ppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppp",
      participants: [{ name: "site-1", type: "client", org: "hospital_alpha" }],
    },
    { code: "INVALID_PROJECT_NAME", message: "Invalid project name." },
  ],
  [
    "rejects an org with a hyphen",
    { name: "hospital_federation", participants: [{ name: "site-1", type: "client", org: "my-org" }] },
    {
      code: "INVALID_ARGS",
      message:
        "Invalid arguments. — name=my-org is ill-formatted for entity_type=org based on regex_pattern=^[A-Za-z0-9_]+$",
    },
  ],
  [
    "rejects an org with a dot",
    { name: "hospital_federation", participants: [{ name: "site-1", type: "client", org: "my.org" }] },
    {
      code: "INVALID_ARGS",
      message:
        "Invalid arguments. — name=my.org is ill-formatted for entity_type=org based on regex_pattern=^[A-Za-z0-9_]+$",
    },
  ],
  [
    "rejects an org that YAML reads as an int",
    { name: "hospital_federation", participants: [{ name: "site-1", type: "client", org: 5 }] },
    { code: "INVALID_ARGS", message: "Invalid arguments. — org must be a string" },
  ],
  [
    "rejects type relay",
    { name: "hospital_federation", participants: [{ name: "site-1", type: "relay", org: "hospital_alpha" }] },
    {
      code: "INVALID_ARGS",
      message: "Invalid arguments. — participant type must be one of: client, server, admin",
    },
  ],
  [
    "rejects a capitalized type",
    {
      name: "hospital_federation",
      participants: [{ name: "site-1", type: "Client", org: "hospital_alpha" }],
    },
    {
      code: "INVALID_ARGS",
      message: "Invalid arguments. — participant type must be one of: client, server, admin",
    },
  ],
  [
    "rejects the project_admin role",
    {
      name: "hospital_federation",
      participants: [
        { name: "dave@hospital-alpha.org", type: "admin", org: "hospital_alpha", role: "project_admin" },
      ],
    },
    {
      code: "INVALID_ARGS",
      message:
        "Invalid arguments. — admin participant role must be one of: lead, member, org-admin, org_admin",
    },
  ],
  [
    "rejects an admin without a role",
    {
      name: "hospital_federation",
      participants: [{ name: "dave@hospital-alpha.org", type: "admin", org: "hospital_alpha" }],
    },
    {
      code: "INVALID_ARGS",
      message:
        "Invalid arguments. — admin participant role must be one of: lead, member, org-admin, org_admin",
    },
  ],
  [
    "rejects an admin role that is not a string",
    {
      name: "hospital_federation",
      participants: [{ name: "dave@hospital-alpha.org", type: "admin", org: "hospital_alpha", role: 5 }],
    },
    {
      code: "INVALID_ARGS",
      message:
        "Invalid arguments. — admin participant role must be one of: lead, member, org-admin, org_admin",
    },
  ],
  [
    "accepts the org-admin alias with spaces",
    {
      name: "hospital_federation",
      participants: [
        { name: "dave@hospital-alpha.org", type: "admin", org: "hospital_alpha", role: " org-admin " },
      ],
    },
    { ok: { name: "dave@hospital-alpha.org", certType: "org_admin", kind: "user" } },
  ],
  [
    "accepts a lead",
    {
      name: "hospital_federation",
      participants: [
        { name: "alice@hospital-alpha.org", type: "admin", org: "hospital_alpha", role: "lead" },
      ],
    },
    { ok: { name: "alice@hospital-alpha.org", certType: "lead", kind: "user" } },
  ],
  [
    "rejects a name starting with ../",
    { name: "hospital_federation", participants: [{ name: "../x", type: "client", org: "hospital_alpha" }] },
    {
      code: "INVALID_NAME",
      message: "Invalid name '../x': Name must not contain path separators or start with '.'.",
    },
  ],
  [
    "rejects a name with a slash",
    { name: "hospital_federation", participants: [{ name: "a/b", type: "client", org: "hospital_alpha" }] },
    {
      code: "INVALID_NAME",
      message: "Invalid name 'a/b': Name must not contain path separators or start with '.'.",
    },
  ],
  [
    "rejects a 65-character client name",
    {
      name: "hospital_federation",
      participants: [
        {
          name: "sssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssss",
          type: "client",
          org: "hospital_alpha",
        },
      ],
    },
    {
      code: "INVALID_NAME",
      message:
        "Invalid name 'sssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssss': Name must be 64 characters or fewer.",
    },
  ],
  [
    "accepts a 64-character client name",
    {
      name: "hospital_federation",
      participants: [
        {
          name: "ssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssss",
          type: "client",
          org: "hospital_alpha",
        },
      ],
    },
    {
      ok: {
        name: "ssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssss",
        certType: "client",
        kind: "site",
      },
    },
  ],
  [
    "rejects a name with a space",
    {
      name: "hospital_federation",
      participants: [{ name: "site 1", type: "client", org: "hospital_alpha" }],
    },
    { code: "INVALID_NAME", message: "Invalid name 'site 1': Name must match [A-Za-z0-9][A-Za-z0-9._@-]*." },
  ],
  [
    "rejects a whitespace-only name",
    { name: "hospital_federation", participants: [{ name: "   ", type: "client", org: "hospital_alpha" }] },
    { code: "INVALID_NAME", message: "Invalid name '': Name must not be empty or whitespace only." },
  ],
  [
    "rejects a client name with a dot",
    {
      name: "hospital_federation",
      participants: [{ name: "site.1", type: "client", org: "hospital_alpha" }],
    },
    {
      code: "INVALID_ARGS",
      message:
        "Invalid arguments. — name=site.1 is ill-formatted for entity_type=client based on regex_pattern=^[A-Za-z0-9-_]+$",
    },
  ],
  [
    "rejects a client name with @",
    {
      name: "hospital_federation",
      participants: [{ name: "site@1", type: "client", org: "hospital_alpha" }],
    },
    {
      code: "INVALID_ARGS",
      message:
        "Invalid arguments. — name=site@1 is ill-formatted for entity_type=client based on regex_pattern=^[A-Za-z0-9-_]+$",
    },
  ],
  [
    "rejects an admin name that is not an e-mail",
    {
      name: "hospital_federation",
      participants: [{ name: "alice", type: "admin", org: "hospital_alpha", role: "lead" }],
    },
    {
      code: "INVALID_ARGS",
      message:
        "Invalid arguments. — name=alice is ill-formatted for entity_type=admin based on regex_pattern=^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Z|a-z]{2,}$",
    },
  ],
  [
    "rejects an admin e-mail with +",
    {
      name: "hospital_federation",
      participants: [{ name: "a+b@x.org", type: "admin", org: "hospital_alpha", role: "lead" }],
    },
    {
      code: "INVALID_NAME",
      message: "Invalid name 'a+b@x.org': Name must match [A-Za-z0-9][A-Za-z0-9._@-]*.",
    },
  ],
  [
    "rejects an admin e-mail longer than 64 characters",
    {
      name: "hospital_federation",
      participants: [
        {
          name: "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@x.org",
          type: "admin",
          org: "hospital_alpha",
          role: "lead",
        },
      ],
    },
    {
      code: "INVALID_NAME",
      message:
        "Invalid name 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@x.org': Name must be 64 characters or fewer.",
    },
  ],
  [
    "rejects a server name with an underscore",
    {
      name: "hospital_federation",
      participants: [{ name: "under_score.org", type: "server", org: "hospital_alpha" }],
    },
    {
      code: "INVALID_ARGS",
      message:
        "Invalid arguments. — name=under_score.org is ill-formatted for entity_type=server based on regex_pattern=^(([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9\\-]*[a-zA-Z0-9])\\.)*([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9\\-]*[A-Za-z0-9])$",
    },
  ],
  [
    "rejects a server name with a trailing dot",
    {
      name: "hospital_federation",
      participants: [{ name: "server.org.", type: "server", org: "hospital_alpha" }],
    },
    {
      code: "INVALID_ARGS",
      message:
        "Invalid arguments. — name=server.org. is ill-formatted for entity_type=server based on regex_pattern=^(([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9\\-]*[a-zA-Z0-9])\\.)*([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9\\-]*[A-Za-z0-9])$",
    },
  ],
  [
    "accepts an IPv4 server name",
    {
      name: "hospital_federation",
      participants: [{ name: "10.0.0.1", type: "server", org: "hospital_alpha" }],
    },
    { ok: { name: "10.0.0.1", certType: "server", kind: "server" } },
  ],
  [
    "rejects a client name that YAML reads as an int",
    { name: "hospital_federation", participants: [{ name: 5, type: "client", org: "hospital_alpha" }] },
    {
      code: "INVALID_ARGS",
      message:
        "Invalid arguments. — participant definition is invalid: expected string or bytes-like object, got 'int'",
    },
  ],
  [
    "rejects a client name that YAML reads as a bool",
    { name: "hospital_federation", participants: [{ name: true, type: "client", org: "hospital_alpha" }] },
    {
      code: "INVALID_ARGS",
      message:
        "Invalid arguments. — participant definition is invalid: expected string or bytes-like object, got 'bool'",
    },
  ],
  [
    "rejects a server name that YAML reads as a float",
    {
      name: "hospital_federation",
      participants: [{ name: new PyFloat(1.5), type: "server", org: "hospital_alpha" }],
    },
    {
      code: "INVALID_ARGS",
      message:
        "Invalid arguments. — participant definition is invalid: expected string or bytes-like object, got 'float'",
    },
  ],
  [
    "rejects a client name that YAML reads as a float",
    {
      name: "hospital_federation",
      participants: [{ name: new PyFloat(1.5), type: "client", org: "hospital_alpha" }],
    },
    {
      code: "INVALID_ARGS",
      message:
        "Invalid arguments. — name=1.5 is ill-formatted for entity_type=client based on regex_pattern=^[A-Za-z0-9-_]+$",
    },
  ],
  [
    "rejects a name with a leading space",
    {
      name: "hospital_federation",
      participants: [{ name: " site-1", type: "client", org: "hospital_alpha" }],
    },
    {
      code: "INVALID_ARGS",
      message:
        "Invalid arguments. — participant definition is invalid: name= site-1 is ill-formatted for entity_type=client based on regex_pattern=^[A-Za-z0-9-_]+$",
    },
  ],
  [
    "rejects an admin name with a trailing space",
    {
      name: "hospital_federation",
      participants: [{ name: "alice@x.org ", type: "admin", org: "hospital_alpha", role: "lead" }],
    },
    {
      code: "INVALID_ARGS",
      message:
        "Invalid arguments. — participant definition is invalid: name=alice@x.org  is ill-formatted for entity_type=admin based on regex_pattern=^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Z|a-z]{2,}$",
    },
  ],
  [
    "rejects a bad host in host_names",
    {
      name: "hospital_federation",
      participants: [
        { name: "s.org", type: "server", org: "hospital_alpha", host_names: ["ok.org", "bad_host"] },
      ],
    },
    {
      code: "INVALID_ARGS",
      message:
        "Invalid arguments. — participant definition is invalid: bad value for host_names 'bad_host' in server::s.org: name=bad_host is ill-formatted for entity_type=host_name based on regex_pattern=^(([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9\\-]*[a-zA-Z0-9])\\.)*([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9\\-]*[A-Za-z0-9])$",
    },
  ],
  [
    "rejects a non-string host in host_names",
    {
      name: "hospital_federation",
      participants: [{ name: "s.org", type: "server", org: "hospital_alpha", host_names: ["ok.org", 5] }],
    },
    {
      code: "INVALID_ARGS",
      message:
        "Invalid arguments. — participant definition is invalid: expected string or bytes-like object, got 'int'",
    },
  ],
  [
    "ignores host_names that are neither string nor list",
    {
      name: "hospital_federation",
      participants: [{ name: "s.org", type: "server", org: "hospital_alpha", host_names: 5 }],
    },
    { ok: { name: "s.org", certType: "server", kind: "server" } },
  ],
  [
    "rejects a bad host_names string",
    {
      name: "hospital_federation",
      participants: [{ name: "s.org", type: "server", org: "hospital_alpha", host_names: "bad_host" }],
    },
    {
      code: "INVALID_ARGS",
      message:
        "Invalid arguments. — participant definition is invalid: bad value for host_names 'bad_host' in server::s.org: name=bad_host is ill-formatted for entity_type=host_name based on regex_pattern=^(([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9\\-]*[a-zA-Z0-9])\\.)*([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9\\-]*[A-Za-z0-9])$",
    },
  ],
  [
    "rejects a bad default_host",
    {
      name: "hospital_federation",
      participants: [{ name: "s.org", type: "server", org: "hospital_alpha", default_host: "bad_host" }],
    },
    {
      code: "INVALID_ARGS",
      message:
        "Invalid arguments. — participant definition is invalid: bad value for default_host 'bad_host' in server::s.org: name=bad_host is ill-formatted for entity_type=host_name based on regex_pattern=^(([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9\\-]*[a-zA-Z0-9])\\.)*([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9\\-]*[A-Za-z0-9])$",
    },
  ],
  [
    "rejects a null default_host",
    {
      name: "hospital_federation",
      participants: [{ name: "s.org", type: "server", org: "hospital_alpha", default_host: null }],
    },
    {
      code: "INVALID_ARGS",
      message:
        "Invalid arguments. — participant definition is invalid: expected string or bytes-like object, got 'NoneType'",
    },
  ],
  [
    "checks properties in key order",
    {
      name: "hospital_federation",
      participants: [
        {
          name: "s.org",
          type: "server",
          org: "hospital_alpha",
          default_host: "bad_1",
          host_names: ["bad_2"],
        },
      ],
    },
    {
      code: "INVALID_ARGS",
      message:
        "Invalid arguments. — participant definition is invalid: bad value for default_host 'bad_1' in server::s.org: name=bad_1 is ill-formatted for entity_type=host_name based on regex_pattern=^(([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9\\-]*[a-zA-Z0-9])\\.)*([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9\\-]*[A-Za-z0-9])$",
    },
  ],
  [
    "rejects a connect_to host with an underscore",
    {
      name: "hospital_federation",
      participants: [
        { name: "site-1", type: "client", org: "hospital_alpha", connect_to: { host: "bad_host", port: 1 } },
      ],
    },
    {
      code: "INVALID_ARGS",
      message:
        "Invalid arguments. — participant definition is invalid: bad value for connect_to '{'host': 'bad_host', 'port': 1}' in client::site-1: name=bad_host is ill-formatted for entity_type=host_name based on regex_pattern=^(([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9\\-]*[a-zA-Z0-9])\\.)*([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9\\-]*[A-Za-z0-9])$",
    },
  ],
  [
    "rejects a connect_to port given as a string",
    {
      name: "hospital_federation",
      participants: [
        { name: "site-1", type: "client", org: "hospital_alpha", connect_to: { host: "ok.org", port: "1" } },
      ],
    },
    {
      code: "INVALID_ARGS",
      message:
        "Invalid arguments. — participant definition is invalid: bad value for connect_to '{'host': 'ok.org', 'port': '1'}' in client::site-1: port 1 must be int",
    },
  ],
  [
    "rejects a negative connect_to port",
    {
      name: "hospital_federation",
      participants: [
        { name: "site-1", type: "client", org: "hospital_alpha", connect_to: { host: "ok.org", port: -1 } },
      ],
    },
    {
      code: "INVALID_ARGS",
      message:
        "Invalid arguments. — participant definition is invalid: bad value for connect_to '{'host': 'ok.org', 'port': -1}' in client::site-1: invalid port -1",
    },
  ],
  [
    "rejects a connect_to port given as a float",
    {
      name: "hospital_federation",
      participants: [
        {
          name: "site-1",
          type: "client",
          org: "hospital_alpha",
          connect_to: { host: "ok.org", port: new PyFloat(1.5) },
        },
      ],
    },
    {
      code: "INVALID_ARGS",
      message:
        "Invalid arguments. — participant definition is invalid: bad value for connect_to '{'host': 'ok.org', 'port': 1.5}' in client::site-1: port 1.5 must be int",
    },
  ],
  [
    "accepts a connect_to port of 0",
    {
      name: "hospital_federation",
      participants: [
        {
          name: "site-1",
          type: "client",
          org: "hospital_alpha",
          connect_to: { host: "ok.org", port: 0, name: "x" },
        },
      ],
    },
    { ok: { name: "site-1", certType: "client", kind: "site" } },
  ],
  [
    "accepts a boolean connect_to port like the reference",
    {
      name: "hospital_federation",
      participants: [{ name: "site-1", type: "client", org: "hospital_alpha", connect_to: { port: true } }],
    },
    { ok: { name: "site-1", certType: "client", kind: "site" } },
  ],
  [
    "rejects connect_to given as an int",
    {
      name: "hospital_federation",
      participants: [{ name: "site-1", type: "client", org: "hospital_alpha", connect_to: 5 }],
    },
    {
      code: "INVALID_ARGS",
      message:
        "Invalid arguments. — participant definition is invalid: bad value for connect_to '5' in client::site-1: invalid type <class 'int'>; must be str or dict",
    },
  ],
  [
    "rejects a connect_to string that is not a host name",
    {
      name: "hospital_federation",
      participants: [{ name: "site-1", type: "client", org: "hospital_alpha", connect_to: "bad_host" }],
    },
    {
      code: "INVALID_ARGS",
      message:
        "Invalid arguments. — participant definition is invalid: bad value for connect_to 'bad_host' in client::site-1: name=bad_host is ill-formatted for entity_type=host_name based on regex_pattern=^(([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9\\-]*[a-zA-Z0-9])\\.)*([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9\\-]*[A-Za-z0-9])$",
    },
  ],
  [
    "rejects a non-string connect_to host",
    {
      name: "hospital_federation",
      participants: [{ name: "site-1", type: "client", org: "hospital_alpha", connect_to: { host: 5 } }],
    },
    {
      code: "INVALID_ARGS",
      message:
        "Invalid arguments. — participant definition is invalid: expected string or bytes-like object, got 'int'",
    },
  ],
  [
    "rejects listening_host",
    {
      name: "hospital_federation",
      participants: [
        {
          name: "site-lh",
          type: "client",
          org: "hospital_alpha",
          listening_host: "site-lh.hospital-alpha.org",
        },
      ],
    },
    {
      code: "INVALID_ARGS",
      message:
        "Invalid arguments. — listening_host is not supported by distributed provisioning yet; use centralized provisioning for third-party listener certificates",
    },
  ],
  [
    "rejects a listening_host of the wrong type before refusing it",
    {
      name: "hospital_federation",
      participants: [{ name: "site-1", type: "client", org: "hospital_alpha", listening_host: 5 }],
    },
    {
      code: "INVALID_ARGS",
      message:
        "Invalid arguments. — participant definition is invalid: bad value for listening_host '5' in client::site-1: invalid type <class 'int'>; must be str or dict",
    },
  ],
  [
    "rejects a listening_host with a bad default_host",
    {
      name: "hospital_federation",
      participants: [
        {
          name: "site-1",
          type: "client",
          org: "hospital_alpha",
          listening_host: { default_host: "bad_host" },
        },
      ],
    },
    {
      code: "INVALID_ARGS",
      message:
        "Invalid arguments. — participant definition is invalid: bad value for listening_host 'bad_host' in client::site-1: name=bad_host is ill-formatted for entity_type=host_name based on regex_pattern=^(([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9\\-]*[a-zA-Z0-9])\\.)*([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9\\-]*[A-Za-z0-9])$",
    },
  ],
  [
    "rejects a listening_host with a float port",
    {
      name: "hospital_federation",
      participants: [
        { name: "site-1", type: "client", org: "hospital_alpha", listening_host: { port: new PyFloat(1.5) } },
      ],
    },
    {
      code: "INVALID_ARGS",
      message:
        "Invalid arguments. — participant definition is invalid: bad value for listening_host '{'port': 1.5}' in client::site-1: port 1.5 must be int",
    },
  ],
  [
    "rejects a listening_host with bad host_names",
    {
      name: "hospital_federation",
      participants: [
        {
          name: "site-1",
          type: "client",
          org: "hospital_alpha",
          listening_host: { host_names: ["ok", "bad_host"] },
        },
      ],
    },
    {
      code: "INVALID_ARGS",
      message:
        "Invalid arguments. — participant definition is invalid: bad value for listening_host 'bad_host' in client::site-1: name=bad_host is ill-formatted for entity_type=host_name based on regex_pattern=^(([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9\\-]*[a-zA-Z0-9])\\.)*([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9\\-]*[A-Za-z0-9])$",
    },
  ],
  [
    "rejects a client role that is not a string",
    {
      name: "hospital_federation",
      participants: [{ name: "site-1", type: "client", org: "hospital_alpha", role: 5 }],
    },
    {
      code: "INVALID_ARGS",
      message:
        "Invalid arguments. — participant definition is invalid: bad value for role '5' in client::site-1: must be str but got <class 'int'>",
    },
  ],
  [
    "rejects an empty client role",
    {
      name: "hospital_federation",
      participants: [{ name: "site-1", type: "client", org: "hospital_alpha", role: "" }],
    },
    {
      code: "INVALID_ARGS",
      message:
        "Invalid arguments. — participant definition is invalid: empty value for role '' in client::site-1",
    },
  ],
  [
    "rejects an unknown connection_security",
    {
      name: "hospital_federation",
      participants: [{ name: "site-1", type: "client", org: "hospital_alpha", connection_security: "TLSX" }],
    },
    {
      code: "INVALID_ARGS",
      message:
        "Invalid arguments. — participant definition is invalid: bad value for connection_security 'TLSX' in client::site-1: must be one of ['clear', 'mtls', 'tls']",
    },
  ],
  [
    "rejects a connection_security with spaces",
    {
      name: "hospital_federation",
      participants: [{ name: "site-1", type: "client", org: "hospital_alpha", connection_security: " tls" }],
    },
    {
      code: "INVALID_ARGS",
      message:
        "Invalid arguments. — participant definition is invalid: bad value for connection_security ' tls' in client::site-1: must be one of ['clear', 'mtls', 'tls']",
    },
  ],
  [
    "rejects a null connection_security",
    {
      name: "hospital_federation",
      participants: [{ name: "site-1", type: "client", org: "hospital_alpha", connection_security: null }],
    },
    {
      code: "INVALID_ARGS",
      message:
        "Invalid arguments. — participant definition is invalid: bad value for connection_security 'None' in client::site-1: must be a str but got <class 'NoneType'>",
    },
  ],
  [
    "accepts an upper-case server connection_security",
    {
      name: "hospital_federation",
      participants: [{ name: "s.org", type: "server", org: "hospital_alpha", connection_security: "MTLS" }],
    },
    { ok: { name: "s.org", certType: "server", kind: "server" } },
  ],
  [
    "rejects a server fed_learn_port given as a string",
    {
      name: "hospital_federation",
      participants: [{ name: "s.org", type: "server", org: "hospital_alpha", fed_learn_port: "8002" }],
    },
    {
      code: "INVALID_ARGS",
      message: "Invalid arguments. — server fed_learn_port must be an integer from 1 to 65535",
    },
  ],
  [
    "rejects a server admin_port of 0",
    {
      name: "hospital_federation",
      participants: [{ name: "s.org", type: "server", org: "hospital_alpha", admin_port: 0 }],
    },
    {
      code: "INVALID_ARGS",
      message: "Invalid arguments. — server admin_port must be an integer from 1 to 65535",
    },
  ],
  [
    "rejects a server fed_learn_port of true",
    {
      name: "hospital_federation",
      participants: [{ name: "s.org", type: "server", org: "hospital_alpha", fed_learn_port: true }],
    },
    {
      code: "INVALID_ARGS",
      message: "Invalid arguments. — server fed_learn_port must be an integer from 1 to 65535",
    },
  ],
  [
    "rejects a server fed_learn_port of 65536",
    {
      name: "hospital_federation",
      participants: [{ name: "s.org", type: "server", org: "hospital_alpha", fed_learn_port: 65536 }],
    },
    {
      code: "INVALID_ARGS",
      message: "Invalid arguments. — server fed_learn_port must be an integer from 1 to 65535",
    },
  ],
  [
    "rejects a server fed_learn_port given as a float",
    {
      name: "hospital_federation",
      participants: [
        { name: "s.org", type: "server", org: "hospital_alpha", fed_learn_port: new PyFloat(8002.0) },
      ],
    },
    {
      code: "INVALID_ARGS",
      message: "Invalid arguments. — server fed_learn_port must be an integer from 1 to 65535",
    },
  ],
  [
    "accepts null server ports",
    {
      name: "hospital_federation",
      participants: [
        { name: "s.org", type: "server", org: "hospital_alpha", fed_learn_port: null, admin_port: null },
      ],
    },
    { ok: { name: "s.org", certType: "server", kind: "server" } },
  ],
  [
    "ignores a server block on a server",
    {
      name: "hospital_federation",
      participants: [{ name: "s.org", type: "server", org: "hospital_alpha", server: "x" }],
    },
    { ok: { name: "s.org", certType: "server", kind: "server" } },
  ],
  [
    "ignores ports on a client",
    {
      name: "hospital_federation",
      participants: [
        { name: "site-1", type: "client", org: "hospital_alpha", fed_learn_port: "x", admin_port: 0 },
      ],
    },
    { ok: { name: "site-1", certType: "client", kind: "site" } },
  ],
  [
    "rejects a client server block that is not a mapping",
    {
      name: "hospital_federation",
      participants: [{ name: "site-1", type: "client", org: "hospital_alpha", server: "x" }],
    },
    { code: "INVALID_ARGS", message: "Invalid arguments. — server must be a mapping when provided" },
  ],
  [
    "rejects a client server block with an empty host",
    {
      name: "hospital_federation",
      participants: [{ name: "site-1", type: "client", org: "hospital_alpha", server: { host: " " } }],
    },
    { code: "INVALID_ARGS", message: "Invalid arguments. — server.host must be a non-empty string" },
  ],
  [
    "rejects a client server block with a non-string host",
    {
      name: "hospital_federation",
      participants: [{ name: "site-1", type: "client", org: "hospital_alpha", server: { host: 5 } }],
    },
    { code: "INVALID_ARGS", message: "Invalid arguments. — server.host must be a non-empty string" },
  ],
  [
    "rejects a client server block without admin_port",
    {
      name: "hospital_federation",
      participants: [
        {
          name: "site-1",
          type: "client",
          org: "hospital_alpha",
          server: { host: "h", fed_learn_port: 8002 },
        },
      ],
    },
    {
      code: "INVALID_ARGS",
      message: "Invalid arguments. — server.admin_port must be an integer from 1 to 65535",
    },
  ],
  [
    "rejects a client server block with a float port",
    {
      name: "hospital_federation",
      participants: [
        {
          name: "site-1",
          type: "client",
          org: "hospital_alpha",
          server: { host: "h", fed_learn_port: new PyFloat(8002.0), admin_port: 8003 },
        },
      ],
    },
    {
      code: "INVALID_ARGS",
      message: "Invalid arguments. — server.fed_learn_port must be an integer from 1 to 65535",
    },
  ],
  [
    "accepts a client server block",
    {
      name: "hospital_federation",
      participants: [
        {
          name: "site-1",
          type: "client",
          org: "hospital_alpha",
          server: { host: "h", fed_learn_port: 8002, admin_port: 8003 },
        },
      ],
    },
    { ok: { name: "site-1", certType: "client", kind: "site" } },
  ],
  [
    "accepts a null client server block",
    {
      name: "hospital_federation",
      participants: [{ name: "site-1", type: "client", org: "hospital_alpha", server: null }],
    },
    { ok: { name: "site-1", certType: "client", kind: "site" } },
  ],
  [
    "rejects an admin server block without ports",
    {
      name: "hospital_federation",
      participants: [
        { name: "a@x.org", type: "admin", org: "hospital_alpha", role: "member", server: { host: "h" } },
      ],
    },
    {
      code: "INVALID_ARGS",
      message: "Invalid arguments. — server.fed_learn_port must be an integer from 1 to 65535",
    },
  ],
];

function expectFailure(value: unknown, code: string, message: string): void {
  assert.throws(
    () => parseParticipantDefinition(value, PATH),
    (error: unknown) => {
      assert.ok(error instanceof FlareError, String(error));
      assert.equal(error.code, code);
      assert.equal(error.message, message.replace("<path>", PATH));
      return true;
    },
  );
}

describe("parseParticipantDefinition (reference verdicts)", () => {
  for (const [label, value, expected] of CASES) {
    it(label, () => {
      if ("ok" in expected) {
        const def = parseParticipantDefinition(value, PATH);
        assert.deepEqual(
          { name: def.participant.name, certType: def.participant.certType, kind: def.participant.kind },
          expected.ok,
        );
      } else {
        expectFailure(value, expected.code, expected.message);
      }
    });
  }
});

/** Timestamps where strings are required, with the reference's verdicts (PyYAML dates). */
const TIMESTAMP_CASES: [string, unknown, Expected][] = [
  [
    "rejects a client name that YAML reads as a date",
    { name: "p", participants: [{ name: new YamlTimestamp("2026-01-01"), type: "client", org: "o" }] },
    {
      code: "INVALID_ARGS",
      message:
        "Invalid arguments. — participant definition is invalid: expected string or bytes-like object, got 'datetime.date'",
    },
  ],
  [
    "rejects an admin name that YAML reads as a date",
    {
      name: "p",
      participants: [{ name: new YamlTimestamp("2026-01-01"), type: "admin", org: "o", role: "lead" }],
    },
    {
      code: "INVALID_ARGS",
      message:
        "Invalid arguments. — name=2026-01-01 is ill-formatted for entity_type=admin based on regex_pattern=^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Z|a-z]{2,}$",
    },
  ],
  [
    "rejects a server name that YAML reads as a datetime",
    {
      name: "p",
      participants: [{ name: new YamlTimestamp("2001-12-14 21:59:43.1"), type: "server", org: "o" }],
    },
    {
      code: "INVALID_NAME",
      message: "Invalid name '2001-12-14 21:59:43.100000': Name must match [A-Za-z0-9][A-Za-z0-9._@-]*.",
    },
  ],
  [
    "rejects a project name that YAML reads as a date",
    { name: new YamlTimestamp("2026-01-01"), participants: [{ name: "site-1", type: "client", org: "o" }] },
    { code: "INVALID_PROJECT_NAME", message: "Invalid project name." },
  ],
  [
    "rejects an org that YAML reads as a date",
    { name: "p", participants: [{ name: "site-1", type: "client", org: new YamlTimestamp("2026-01-01") }] },
    { code: "INVALID_ARGS", message: "Invalid arguments. — org must be a string" },
  ],
  [
    "rejects a connect_to port that YAML reads as a date",
    {
      name: "p",
      participants: [
        {
          name: "site-1",
          type: "client",
          org: "o",
          connect_to: { host: "h", port: new YamlTimestamp("2026-01-01") },
        },
      ],
    },
    {
      code: "INVALID_ARGS",
      message:
        "Invalid arguments. — participant definition is invalid: bad value for connect_to '{'host': 'h', 'port': datetime.date(2026, 1, 1)}' in client::site-1: port 2026-01-01 must be int",
    },
  ],
];

describe("parseParticipantDefinition (YAML timestamps)", () => {
  for (const [label, value, expected] of TIMESTAMP_CASES) {
    it(label, () => {
      assert.ok(!("ok" in expected));
      expectFailure(value, expected.code, expected.message);
    });
  }
});

describe("parseParticipantDefinition (Python string semantics)", () => {
  it("strips Python whitespace such as \\x1c, then rejects the untrimmed name in the centralized check", () => {
    const value = { name: "p", participants: [{ name: "\x1csite-1", type: "client", org: "o" }] };
    expectFailure(
      value,
      "INVALID_ARGS",
      "Invalid arguments. — participant definition is invalid: name=\x1csite-1 is ill-formatted for entity_type=client based on regex_pattern=^[A-Za-z0-9-_]+$",
    );
  });

  it("does not strip a byte-order mark, which Python does not count as whitespace", () => {
    const value = { name: "p", participants: [{ name: "\ufeffsite-1", type: "client", org: "o" }] };
    expectFailure(
      value,
      "INVALID_NAME",
      "Invalid name '\ufeffsite-1': Name must match [A-Za-z0-9][A-Za-z0-9._@-]*.",
    );
  });

  it("counts code points, not UTF-16 units, against the 64-character cap", () => {
    const name = "\u{1F600}".repeat(40);
    const value = { name: "p", participants: [{ name, type: "client", org: "o" }] };
    expectFailure(
      value,
      "INVALID_NAME",
      `Invalid name '${name}': Name must match [A-Za-z0-9][A-Za-z0-9._@-]*.`,
    );
  });

  it("trims a role with Python whitespace (tab, \\x1c)", () => {
    const value = {
      name: "p",
      participants: [{ name: "a@x.org", type: "admin", org: "o", role: "\tlead\x1c" }],
    };
    assert.equal(parseParticipantDefinition(value, PATH).participant.role, "lead");
  });

  it("reads own keys only: a participant without org is not completed from the prototype", () => {
    const value = { name: "p", participants: [{ name: "site-1", type: "client", constructor: "x" }] };
    expectFailure(
      value,
      "INVALID_ARGS",
      "Invalid arguments. — participant definition participants[0] must contain: name, org, type",
    );
  });
});

describe("parseParticipantDefinition (hardening beyond the reference)", () => {
  const longServer = `${"a".repeat(30)}.${"b".repeat(30)}.example.org`;

  it("rejects a server name longer than 64 characters because its CN would be truncated", () => {
    const value = { name: "p", participants: [{ name: longServer, type: "server", org: "o" }] };
    assert.throws(
      () => parseParticipantDefinition(value, PATH),
      (error: unknown) => {
        assert.ok(error instanceof FlareError);
        assert.equal(error.code, "INVALID_NAME");
        assert.match(
          error.message,
          new RegExp(`^Invalid name '${longServer}': Name must be 64 characters or fewer; `),
        );
        assert.match(error.message, /truncated in the certificate CN/);
        assert.match(error.hint, /server\.host/);
        return true;
      },
    );
  });

  it("accepts that server name with the reference's rule when capServerNames is false", () => {
    const value = { name: "p", participants: [{ name: longServer, type: "server", org: "o" }] };
    assert.equal(
      parseParticipantDefinition(value, PATH, { capServerNames: false }).participant.name,
      longServer,
    );
  });

  for (const [name, type] of [
    ["nul", "client"],
    ["CON", "client"],
    ["lpt9", "client"],
    ["Com1.example", "server"],
    ["aux.hospital.org", "server"],
  ] as const) {
    it(`rejects the Windows device name ${name} as a ${type} name`, () => {
      const value = { name: "p", participants: [{ name, type, org: "o" }] };
      assert.throws(
        () => parseParticipantDefinition(value, PATH),
        (error: unknown) => {
          assert.ok(error instanceof FlareError);
          assert.equal(error.code, "INVALID_NAME");
          assert.equal(
            error.message,
            `Invalid name '${name}': Name must not be a reserved Windows device name (CON, PRN, AUX, NUL, COM1-COM9, LPT1-LPT9).`,
          );
          return true;
        },
      );
    });
  }

  for (const name of ["com0", "console", "nul-site", "lpt10"]) {
    it(`accepts ${name}, which is not a device name`, () => {
      const value = { name: "p", participants: [{ name, type: "client", org: "o" }] };
      assert.equal(parseParticipantDefinition(value, PATH).participant.name, name);
    });
  }

  it("accepts con@example.org as an admin (the part before the first dot is not a device name)", () => {
    const value = {
      name: "p",
      participants: [{ name: "con@example.org", type: "admin", org: "o", role: "member" }],
    };
    assert.equal(parseParticipantDefinition(value, PATH).participant.certType, "member");
  });

  for (const project of ["CON", "aux.backup", "Nul"]) {
    it(`rejects the project name ${project} with the reason as detail`, () => {
      const value = { name: project, participants: [{ name: "site-1", type: "client", org: "o" }] };
      assert.throws(
        () => parseParticipantDefinition(value, PATH),
        (error: unknown) => {
          assert.ok(error instanceof FlareError);
          assert.equal(error.code, "INVALID_PROJECT_NAME");
          assert.match(
            error.message,
            /^Invalid project name\. — project name '.+' is a reserved Windows device name/,
          );
          return true;
        },
      );
    });
  }

  it("rejects a 64-character project name, which the reference truncates at package time", () => {
    const value = { name: "p".repeat(64), participants: [{ name: "site-1", type: "client", org: "o" }] };
    assert.throws(
      () => parseParticipantDefinition(value, PATH),
      (error: unknown) =>
        error instanceof FlareError &&
        error.code === "INVALID_PROJECT_NAME" &&
        error.message.includes("is 64 characters long; at most 63"),
    );
  });

  it("accepts a 63-character project name", () => {
    const value = { name: "p".repeat(63), participants: [{ name: "site-1", type: "client", org: "o" }] };
    assert.equal(parseParticipantDefinition(value, PATH).project, "p".repeat(63));
  });

  it("rejects an org with a trailing newline, which Python's re.match lets through", () => {
    const value = { name: "p", participants: [{ name: "site-1", type: "client", org: "hospital_alpha\n" }] };
    expectFailure(
      value,
      "INVALID_ARGS",
      "Invalid arguments. — name=hospital_alpha\n is ill-formatted for entity_type=org based on regex_pattern=^[A-Za-z0-9_]+$",
    );
  });

  it("rejects a name with a trailing newline in the centralized check (the reference accepts it)", () => {
    const value = { name: "p", participants: [{ name: "site-1\n", type: "client", org: "o" }] };
    expectFailure(
      value,
      "INVALID_ARGS",
      "Invalid arguments. — participant definition is invalid: name=site-1\n is ill-formatted for entity_type=client based on regex_pattern=^[A-Za-z0-9-_]+$",
    );
  });
});

describe("parseParticipantDefinition (result)", () => {
  it("returns the project, the derived identity and the inputs as given", () => {
    const props = {
      name: "alice@hospital-alpha.org",
      type: "admin",
      org: "hospital_alpha",
      role: "org-admin",
    };
    const value = { name: "hospital_federation", description: "x", participants: [props] };
    const def = parseParticipantDefinition(value, PATH);
    assert.equal(def.project, "hospital_federation");
    assert.deepEqual(
      { ...def.participant, props: undefined },
      {
        name: "alice@hospital-alpha.org",
        type: "admin",
        org: "hospital_alpha",
        role: "org_admin",
        certType: "org_admin",
        kind: "user",
        props: undefined,
      },
    );
    assert.equal(def.participant.props, props);
    assert.equal(def.document, value);
    assert.equal(props.role, "org-admin", "the input is not modified");
  });

  it("gives clients and servers no role", () => {
    const def = parseParticipantDefinition(
      { name: "p", participants: [{ name: "s1", type: "server", org: "o" }] },
      PATH,
    );
    assert.equal("role" in def.participant, false);
    assert.deepEqual([def.participant.certType, def.participant.kind], ["server", "server"]);
  });
});

describe("deriveParticipantIdentity", () => {
  it("trims the name it returns", () => {
    assert.equal(
      deriveParticipantIdentity("p", { name: "site-1 ", type: "client", org: "o" }).name,
      "site-1",
    );
  });

  it("checks the project name after the participant fields", () => {
    assert.throws(
      () => deriveParticipantIdentity(null, { name: "site-1", type: "client" }),
      (error: unknown) => error instanceof FlareError && error.code === "INVALID_ARGS",
    );
    assert.throws(
      () => deriveParticipantIdentity(null, { name: "site-1", type: "client", org: "o" }),
      (error: unknown) => error instanceof FlareError && error.code === "INVALID_PROJECT_NAME",
    );
  });
});

describe("centralizedParticipantProblem", () => {
  it("returns null for a clean participant", () => {
    assert.equal(
      centralizedParticipantProblem(
        { name: "s.org", type: "server", org: "o", host_names: ["a.org"] },
        "server",
      ),
      null,
    );
  });

  it("names the scope as <type>::<raw name>", () => {
    assert.equal(
      centralizedParticipantProblem(
        { name: "site-1", type: "client", org: "o", role: new PyFloat(2) },
        "client",
      ),
      "bad value for role '2.0' in client::site-1: must be str but got <class 'float'>",
    );
  });
});

/** The first stderr line of a reference error case: the message our error must carry. */
function referenceMessage(errorCase: string): string {
  const text = new TextDecoder().decode(readFixture("errors", "expected", errorCase, "text.stderr"));
  return text.split("\n")[0]!;
}

function referenceCode(errorCase: string): string {
  const text = new TextDecoder().decode(readFixture("errors", "expected", errorCase, "text.stderr"));
  return /^Code: (\S+) /m.exec(text)![1]!;
}

describe("parseParticipantDefinition (reference error cases in errors/expected)", () => {
  // The participant.yaml of each case, as the YAML reader returns it.
  const inputs: Record<string, unknown> = {
    "admin-name-not-email": {
      name: "hospital_federation",
      participants: [{ name: "alice", type: "admin", org: "hospital_alpha", role: "lead" }],
    },
    "client-listening-host": {
      name: "hospital_federation",
      participants: [
        {
          name: "site-lh",
          type: "client",
          org: "hospital_alpha",
          listening_host: "site-lh.hospital-alpha.org",
        },
      ],
    },
    "invalid-project-name-request": {
      name: "hospital federation",
      participants: [{ name: "site-x", type: "client", org: "hospital_alpha" }],
    },
    "invalid-role": {
      name: "hospital_federation",
      participants: [
        { name: "dave@hospital-alpha.org", type: "admin", org: "hospital_alpha", role: "project_admin" },
      ],
    },
  };
  for (const [errorCase, value] of Object.entries(inputs)) {
    it(`fails like the reference for ${errorCase}`, () => {
      expectFailure(value, referenceCode(errorCase), referenceMessage(errorCase));
    });
  }
});
