import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { PyFloat } from "../data/py-float.ts";
import { FlareError } from "../errors/flare-error.ts";
import { YamlTimestamp } from "../yaml/parse-yaml.ts";
import {
  certTypeForParticipant,
  checkCertType,
  checkIdentityName,
  checkOrgName,
  checkPort,
  checkProjectName,
  checkRequestId,
  checkRequestKind,
  checkSafeCertName,
  isCertType,
  isKind,
  isParticipantType,
  isReservedParticipantName,
  isValidAdminEmail,
  isValidClientName,
  isValidDeployVersion,
  isValidHostName,
  isValidOrgName,
  isValidPort,
  isValidRequestId,
  isWindowsDeviceName,
  kindForCertType,
  nameRegexReport,
  normalizeConnectionSecurity,
  normalizeScheme,
  normalizeUserRole,
  projectNameProblem,
  pyRepr,
  pyStr,
  pyStrip,
  pyTruthy,
  pyTypeName,
  safeCertNameProblem,
} from "./name-rules.ts";

type Failure = { code: string; message: string } | null;

function expectOutcome(run: () => unknown, expected: Failure): void {
  if (expected === null) {
    assert.doesNotThrow(run);
    return;
  }
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof FlareError, String(error));
    assert.equal(error.code, expected.code);
    assert.equal(error.message, expected.message);
    return true;
  });
}

// The expected outcomes below were produced by the reference's own validators on the same
// values (null = accepted).

/** `cert approve` row 14: [kind, cert_type, cert_role, outcome]. */
const KIND_CASES: [unknown, unknown, unknown, Failure][] = [
  ["site", "client", null, null],
  [
    "site",
    "server",
    null,
    { code: "INVALID_ARGS", message: "Invalid arguments. — request kind 'site' requires cert type 'client'" },
  ],
  ["server", "server", null, null],
  [
    "server",
    "client",
    null,
    {
      code: "INVALID_ARGS",
      message: "Invalid arguments. — request kind 'server' requires cert type 'server'",
    },
  ],
  ["user", "lead", "lead", null],
  [
    "user",
    "lead",
    "org-admin",
    { code: "INVALID_ARGS", message: "Invalid arguments. — user cert_role does not match request cert_type" },
  ],
  ["user", "org_admin", "org-admin", null],
  [
    "user",
    "lead",
    "member",
    { code: "INVALID_ARGS", message: "Invalid arguments. — user cert_role does not match request cert_type" },
  ],
  ["user", "lead", null, null],
  ["user", "lead", "", null],
  [
    "user",
    "client",
    null,
    {
      code: "INVALID_ARGS",
      message: "Invalid arguments. — request kind 'user' requires cert type one of: org_admin, lead, member",
    },
  ],
  [
    "admin",
    "lead",
    "lead",
    {
      code: "INVALID_ARGS",
      message: "Invalid arguments. — cert request kind must be one of: server, site, user",
    },
  ],
  [
    null,
    "client",
    null,
    {
      code: "INVALID_ARGS",
      message: "Invalid arguments. — cert request kind must be one of: server, site, user",
    },
  ],
  [
    "Site",
    "client",
    null,
    {
      code: "INVALID_ARGS",
      message: "Invalid arguments. — cert request kind must be one of: server, site, user",
    },
  ],
];

/** `cert approve` row 13 (cert type) and 15 (name for the type): [name, cert_type, outcome]. */
const IDENTITY_NAME_CASES: [unknown, unknown, Failure][] = [
  ["site-1", "client", null],
  [
    "site.1",
    "client",
    {
      code: "INVALID_ARGS",
      message:
        "Invalid arguments. — name=site.1 is ill-formatted for entity_type=client based on regex_pattern=^[A-Za-z0-9-_]+$",
    },
  ],
  ["s.org", "server", null],
  [
    "s_1.org",
    "server",
    {
      code: "INVALID_ARGS",
      message:
        "Invalid arguments. — name=s_1.org is ill-formatted for entity_type=server based on regex_pattern=^(([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9\\-]*[a-zA-Z0-9])\\.)*([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9\\-]*[A-Za-z0-9])$",
    },
  ],
  ["a@x.org", "lead", null],
  ["a@x.org", "member", null],
  [
    "alice",
    "org_admin",
    {
      code: "INVALID_ARGS",
      message:
        "Invalid arguments. — name=alice is ill-formatted for entity_type=admin based on regex_pattern=^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Z|a-z]{2,}$",
    },
  ],
  [
    5,
    "client",
    { code: "INVALID_ARGS", message: "Invalid arguments. — name must be a string for entity_type=client" },
  ],
  [
    "site-1",
    "relay",
    {
      code: "INVALID_ARGS",
      message:
        "Invalid arguments. — invalid cert type 'relay'; valid types: client, lead, member, org_admin, server",
    },
  ],
  [
    "site-1",
    null,
    {
      code: "INVALID_ARGS",
      message:
        "Invalid arguments. — invalid cert type 'None'; valid types: client, lead, member, org_admin, server",
    },
  ],
  [
    "a@b.c",
    "lead",
    {
      code: "INVALID_ARGS",
      message:
        "Invalid arguments. — name=a@b.c is ill-formatted for entity_type=admin based on regex_pattern=^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Z|a-z]{2,}$",
    },
  ],
];

/** `cert approve` row 12: [request_id, outcome]. */
const REQUEST_ID_CASES: [unknown, Failure][] = [
  ["1bdf85e197324cf29849c8fb72c32a3c", null],
  ["1BDF85E197324CF29849C8FB72C32A3C", null],
  ["1bdf85e1-9732-4cf2-9849-c8fb72c32a3c", null],
  [
    "1bdf85e197324cf29849c8fb72c32a3",
    { code: "INVALID_ARGS", message: "Invalid arguments. — request_id must be a UUID hex string." },
  ],
  [
    "1bdf85e197324cf29849c8fb72c32a3c\n",
    { code: "INVALID_ARGS", message: "Invalid arguments. — request_id must be a UUID hex string." },
  ],
  [
    "{1bdf85e1-9732-4cf2-9849-c8fb72c32a3c}",
    { code: "INVALID_ARGS", message: "Invalid arguments. — request_id must be a UUID hex string." },
  ],
  [5, { code: "INVALID_ARGS", message: "Invalid arguments. — request_id must be a UUID hex string." }],
  [null, { code: "INVALID_ARGS", message: "Invalid arguments. — request_id must be a UUID hex string." }],
  [
    "gggggggggggggggggggggggggggggggg",
    { code: "INVALID_ARGS", message: "Invalid arguments. — request_id must be a UUID hex string." },
  ],
];

/** The safe-cert-name rule: [name, reference max length (null = server), outcome]. */
const SAFE_NAME_CASES: [unknown, number | null, Failure][] = [
  ["site-1", 64, null],
  [
    "sssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssss",
    64,
    {
      code: "INVALID_NAME",
      message:
        "Invalid name 'sssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssss': Name must be 64 characters or fewer.",
    },
  ],
  ["sssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssss", null, null],
  [
    " ",
    64,
    { code: "INVALID_NAME", message: "Invalid name ' ': Name must not be empty or whitespace only." },
  ],
  [
    null,
    64,
    { code: "INVALID_NAME", message: "Invalid name 'None': Name must not be empty or whitespace only." },
  ],
  [5, 64, { code: "INVALID_NAME", message: "Invalid name '5': Name must not be empty or whitespace only." }],
  [
    "a\\b",
    64,
    { code: "INVALID_NAME", message: "Invalid name 'a\\b': Name must match [A-Za-z0-9][A-Za-z0-9._@-]*." },
  ],
  [
    ".x",
    null,
    {
      code: "INVALID_NAME",
      message: "Invalid name '.x': Name must not contain path separators or start with '.'.",
    },
  ],
  [
    "a b",
    null,
    { code: "INVALID_NAME", message: "Invalid name 'a b': Name must match [A-Za-z0-9][A-Za-z0-9._@-]*." },
  ],
  [
    "site-1\n",
    64,
    {
      code: "INVALID_NAME",
      message: "Invalid name 'site-1\n': Name must match [A-Za-z0-9][A-Za-z0-9._@-]*.",
    },
  ],
  ["a@b", 64, null],
  [
    "a+b",
    64,
    { code: "INVALID_NAME", message: "Invalid name 'a+b': Name must match [A-Za-z0-9][A-Za-z0-9._@-]*." },
  ],
];

/** The org rule: [org, outcome]. */
const ORG_CASES: [unknown, Failure][] = [
  ["hospital_alpha", null],
  [
    "my-org",
    {
      code: "INVALID_ARGS",
      message:
        "Invalid arguments. — name=my-org is ill-formatted for entity_type=org based on regex_pattern=^[A-Za-z0-9_]+$",
    },
  ],
  [
    "",
    {
      code: "INVALID_ARGS",
      message:
        "Invalid arguments. — name= is ill-formatted for entity_type=org based on regex_pattern=^[A-Za-z0-9_]+$",
    },
  ],
  [null, { code: "INVALID_ARGS", message: "Invalid arguments. — org must be a string" }],
  [5, { code: "INVALID_ARGS", message: "Invalid arguments. — org must be a string" }],
  ["ORG_1", null],
];

describe("checkers (reference verdicts)", () => {
  for (const [kind, certType, certRole, expected] of KIND_CASES) {
    it(`checkRequestKind(${pyRepr(kind)}, ${pyRepr(certType)}, ${pyRepr(certRole)}) ${expected ? "fails" : "passes"}`, () => {
      expectOutcome(() => checkRequestKind(kind, certType, certRole), expected);
    });
  }
  for (const [name, certType, expected] of IDENTITY_NAME_CASES) {
    it(`checkIdentityName(${pyRepr(name)}, ${pyRepr(certType)}) ${expected ? "fails" : "passes"}`, () => {
      expectOutcome(() => checkIdentityName(name, certType), expected);
    });
  }
  for (const [requestId, expected] of REQUEST_ID_CASES) {
    it(`checkRequestId(${pyRepr(requestId)}) ${expected ? "fails" : "passes"}`, () => {
      expectOutcome(() => checkRequestId(requestId), expected);
    });
  }
  for (const [name, maxLength, expected] of SAFE_NAME_CASES) {
    const certType = maxLength === null ? "server" : "client";
    it(`checkSafeCertName(${pyRepr(name)}, ${certType}) ${expected ? "fails" : "passes"}`, () => {
      expectOutcome(() => checkSafeCertName(name, certType, { capServerNames: false }), expected);
    });
  }
  for (const [org, expected] of ORG_CASES) {
    it(`checkOrgName(${pyRepr(org)}) ${expected ? "fails" : "passes"}`, () => {
      expectOutcome(() => checkOrgName(org), expected);
    });
  }
});

describe("checkCertType", () => {
  it("accepts the five types and names them sorted when failing", () => {
    for (const type of ["client", "server", "org_admin", "lead", "member"])
      assert.equal(checkCertType(type), type);
    expectOutcome(() => checkCertType("admin"), {
      code: "INVALID_ARGS",
      message:
        "Invalid arguments. — invalid cert type 'admin'; valid types: client, lead, member, org_admin, server",
    });
  });
});

describe("checkProjectName", () => {
  const ok = ["hospital_federation", "a", "A.b-c_9", "9lives", "p".repeat(63)];
  const referenceFailures: unknown[] = [
    "",
    "   ",
    null,
    12,
    true,
    new PyFloat(1.5),
    ["p"],
    "p".repeat(65),
    "../escape",
    "a/b",
    ".hidden",
    "-dash",
    "_under",
    "a b",
    "a\\b",
    "caf\u00e9",
    "p\n",
  ];
  for (const name of ok) {
    it(`accepts ${pyRepr(name)}`, () => assert.equal(checkProjectName(name), name));
  }
  for (const name of referenceFailures) {
    it(`rejects ${pyRepr(name)} with the bare reference message`, () => {
      assert.throws(
        () => checkProjectName(name),
        (error: unknown) =>
          error instanceof FlareError &&
          error.code === "INVALID_PROJECT_NAME" &&
          error.message === "Invalid project name." &&
          error.hint ===
            "Project name must start with a letter or digit and contain only letters, digits, hyphens, underscores, or dots." &&
          error.exitCode === 4,
      );
    });
  }

  it("gives the reference's reasons through projectNameProblem", () => {
    assert.deepEqual(projectNameProblem("  ", "CA project"), {
      reason: "CA project must not be empty or whitespace only.",
      hardening: false,
    });
    assert.equal(projectNameProblem("p".repeat(65))?.reason, "Project must be 64 characters or fewer.");
    assert.equal(
      projectNameProblem(".x")?.reason,
      "Project must not contain path separators or start with '.'.",
    );
    assert.equal(projectNameProblem("a b")?.reason, "Project must match [A-Za-z0-9][A-Za-z0-9._-]*.");
    assert.equal(projectNameProblem("ok"), null);
  });

  it("marks the hardening rules and shows their reason as detail", () => {
    assert.equal(projectNameProblem("p".repeat(64))?.hardening, true);
    assert.equal(projectNameProblem("lpt1.v2")?.hardening, true);
    assert.throws(
      () => checkProjectName("p".repeat(64)),
      (error: unknown) =>
        error instanceof FlareError &&
        error.message ===
          `Invalid project name. — project name '${"p".repeat(64)}' is 64 characters long; at most 63 are allowed because startup kits would be written under the name truncated to 63 characters.`,
    );
  });
});

describe("safeCertNameProblem (hardening)", () => {
  it("caps server names at 64 characters unless told to follow the reference", () => {
    const long = `${"a".repeat(60)}.example.org`;
    assert.equal(safeCertNameProblem(long, "server")?.hardening, true);
    assert.equal(safeCertNameProblem(long, "server", { capServerNames: false }), null);
    assert.equal(safeCertNameProblem("a".repeat(64), "server"), null);
  });

  it("checks reference rules before hardening rules", () => {
    assert.deepEqual(safeCertNameProblem("nul/x", "client"), {
      reason: "Name must not contain path separators or start with '.'.",
      hardening: false,
    });
  });

  it("uses the field label", () => {
    assert.equal(
      safeCertNameProblem("", "client", { fieldLabel: "Participant" })?.reason,
      "Participant must not be empty or whitespace only.",
    );
  });

  it("explains the device-name rule in message and hint", () => {
    assert.throws(
      () => checkSafeCertName("AUX", "client"),
      (error: unknown) =>
        error instanceof FlareError &&
        error.code === "INVALID_NAME" &&
        error.message ===
          "Invalid name 'AUX': Name must not be a reserved Windows device name (CON, PRN, AUX, NUL, COM1-COM9, LPT1-LPT9)." &&
        /Windows device name/.test(error.hint),
    );
  });
});

describe("predicates", () => {
  const table: [string, (value: unknown) => boolean, unknown[], unknown[]][] = [
    [
      "isValidHostName",
      isValidHostName,
      [
        "localhost",
        "10.0.1.50",
        "a",
        "a-b.c",
        "server1.hospital-central.org",
        "1.2.3.4.5",
        `${"a".repeat(70)}.org`,
      ],
      ["", "a_b", "-a", "a-", "a.", ".a", "a..b", "::1", "a b", "a.b\n", 5, null],
    ],
    ["isValidClientName", isValidClientName, ["site-1", "a_b", "-", "A9"], ["site.1", "a@b", "", "a\n", 1]],
    [
      "isValidAdminEmail",
      isValidAdminEmail,
      ["alice@hospital-alpha.org", "a.b%c+d-e@x.io", "a@b.c|d"],
      ["alice", "a@b.c", "a@b", "@x.org", "a@x.org\n", null],
    ],
    ["isValidOrgName", isValidOrgName, ["hospital_alpha", "ORG9", "_"], ["my-org", "my.org", "", "o\n", 5]],
    [
      "isValidRequestId",
      isValidRequestId,
      ["76f4a197a3a748d8afaac9b1e7465842", "76F4A197-A3A7-48D8-AFAA-C9B1E7465842"],
      ["76f4a197a3a748d8afaac9b1e746584", "76f4a197a3a748d8afaac9b1e7465842\n", 7],
    ],
    [
      "isValidDeployVersion",
      isValidDeployVersion,
      ["00", "01", "99"],
      ["0", "000", "1a", "\u0661\u0662", "01\n", 1, null],
    ],
    [
      "isValidPort",
      isValidPort,
      [1, 8002, 65535],
      [0, -1, 65536, 1.5, "8002", true, new PyFloat(8002), null, Number.NaN],
    ],
    [
      "isParticipantType",
      isParticipantType,
      ["client", "server", "admin"],
      ["relay", "Client", "overseer", null],
    ],
    [
      "isCertType",
      isCertType,
      ["client", "server", "org_admin", "lead", "member"],
      ["org-admin", "admin", ""],
    ],
    ["isKind", isKind, ["site", "server", "user"], ["client", "admin", null]],
    ["isReservedParticipantName", isReservedParticipantName, ["__nvflare_dummy_server__"], ["server", null]],
  ];
  for (const [label, predicate, good, bad] of table) {
    for (const value of good)
      it(`${label} accepts ${pyRepr(value)}`, () => assert.equal(predicate(value), true));
    for (const value of bad)
      it(`${label} rejects ${pyRepr(value)}`, () => assert.equal(predicate(value), false));
  }

  it("recognizes Windows device names with or without an extension, in any case", () => {
    for (const name of [
      "CON",
      "prn",
      "Aux",
      "nul",
      "NUL.txt",
      "nul.tar.gz",
      "Com1.example",
      "COM9",
      "lpt1",
      "LPT9.x",
    ]) {
      assert.equal(isWindowsDeviceName(name), true, name);
    }
    for (const name of ["COM0", "com10", "LPT", "console", "nul-1", "xnul", "con@x.org", "a.nul"]) {
      assert.equal(isWindowsDeviceName(name), false, name);
    }
  });
});

describe("normalization", () => {
  it("normalizes roles after Python strip, with the org-admin alias", () => {
    assert.equal(normalizeUserRole("org-admin"), "org_admin");
    assert.equal(normalizeUserRole(" org_admin\t"), "org_admin");
    assert.equal(normalizeUserRole("lead"), "lead");
    assert.equal(normalizeUserRole("member\x1f"), "member");
    for (const bad of ["project_admin", "Lead", "", "constructor", "__proto__", null, 1]) {
      assert.equal(normalizeUserRole(bad), null, String(bad));
    }
  });

  it("trims and lower-cases schemes and connection security", () => {
    assert.equal(normalizeScheme(" GRPC\n"), "grpc");
    assert.equal(normalizeScheme("Tcp"), "tcp");
    assert.equal(normalizeScheme("https"), null);
    assert.equal(normalizeScheme(1), null);
    assert.equal(normalizeConnectionSecurity("\u3000mTLS"), "mtls");
    assert.equal(normalizeConnectionSecurity("clear"), "clear");
    assert.equal(normalizeConnectionSecurity("ssl"), null);
    assert.equal(normalizeConnectionSecurity(true), null);
  });

  it("maps participant types and cert types to kinds", () => {
    assert.equal(certTypeForParticipant("client"), "client");
    assert.equal(certTypeForParticipant("server"), "server");
    assert.equal(certTypeForParticipant("admin", "lead"), "lead");
    assert.throws(() => certTypeForParticipant("admin"));
    assert.deepEqual((["client", "server", "org_admin", "lead", "member"] as const).map(kindForCertType), [
      "site",
      "server",
      "user",
      "user",
      "user",
    ]);
  });

  it("checks ports with the caller's label", () => {
    assert.equal(checkPort(8002, "server.fed_learn_port"), 8002);
    expectOutcome(() => checkPort(true, "server.admin_port"), {
      code: "INVALID_ARGS",
      message: "Invalid arguments. — server.admin_port must be an integer from 1 to 65535",
    });
  });

  it("renders the regex report as the reference does", () => {
    assert.equal(
      nameRegexReport("my-org", "org"),
      "name=my-org is ill-formatted for entity_type=org based on regex_pattern=^[A-Za-z0-9_]+$",
    );
  });
});

describe("Python value semantics", () => {
  it("strips Python whitespace only", () => {
    assert.equal(
      pyStrip(" \t\n\v\f\r\x1c\x1d\x1e\x1f\x85\xa0\u2000\u3000a b\u2028\u2029\u202f\u205f\u1680"),
      "a b",
    );
    assert.equal(pyStrip("\ufeffa\u200b"), "\ufeffa\u200b");
    assert.equal(pyStrip(""), "");
  });

  it("renders str() like Python", () => {
    const cases: [unknown, string][] = [
      ["x", "x"],
      [null, "None"],
      [undefined, "None"],
      [true, "True"],
      [false, "False"],
      [8002, "8002"],
      [-0, "0"],
      [1e21, "1000000000000000000000"],
      [new PyFloat(1), "1.0"],
      [new PyFloat(1.5), "1.5"],
      [new PyFloat(1e16), "1e+16"],
      [["a", 1, null, ["b"]], "['a', 1, None, ['b']]"],
      [{ host: "h", port: 1, ok: true }, "{'host': 'h', 'port': 1, 'ok': True}"],
      [{}, "{}"],
      [new Uint8Array([0x61, 0x00, 0x27]), `b"a\\x00'"`],
      [new Uint8Array([0x5c, 0x0a, 0xff]), "b'\\\\\\n\\xff'"],
    ];
    for (const [value, text] of cases) assert.equal(pyStr(value), text, text);
  });

  it("renders repr() of strings like Python", () => {
    const cases: [string, string][] = [
      ["abc", "'abc'"],
      ["it's", `"it's"`],
      [`a"b'c`, `'a"b\\'c'`],
      ["a\\b", "'a\\\\b'"],
      ["a\nb\tc\rd", "'a\\nb\\tc\\rd'"],
      ["\x00\x7f\x85\xa0", "'\\x00\\x7f\\x85\\xa0'"],
      ["\u200b\u2028", "'\\u200b\\u2028'"],
      ["caf\u00e9 \u{1F600}", "'caf\u00e9 \u{1F600}'"],
    ];
    for (const [value, text] of cases) assert.equal(pyRepr(value), text, text);
  });

  it("prints YAML timestamps as Python prints PyYAML's date and datetime values", () => {
    // [source text, str(), repr()] from PyYAML 6 on CPython 3.11.
    const cases: [string, string, string][] = [
      ["2026-01-01", "2026-01-01", "datetime.date(2026, 1, 1)"],
      ["2026-1-1 10:00:00", "2026-01-01 10:00:00", "datetime.datetime(2026, 1, 1, 10, 0)"],
      [
        "2001-12-14t21:59:43.10-05:00",
        "2001-12-14 21:59:43.100000-05:00",
        "datetime.datetime(2001, 12, 14, 21, 59, 43, 100000, tzinfo=datetime.timezone(datetime.timedelta(days=-1, seconds=68400)))",
      ],
      [
        "2001-12-14 21:59:43.1234567 +5:30",
        "2001-12-14 21:59:43.123456+05:30",
        "datetime.datetime(2001, 12, 14, 21, 59, 43, 123456, tzinfo=datetime.timezone(datetime.timedelta(seconds=19800)))",
      ],
      [
        "2002-12-14 21:59:43Z",
        "2002-12-14 21:59:43+00:00",
        "datetime.datetime(2002, 12, 14, 21, 59, 43, tzinfo=datetime.timezone.utc)",
      ],
      [
        "2002-12-14T21:59:00.0Z",
        "2002-12-14 21:59:00+00:00",
        "datetime.datetime(2002, 12, 14, 21, 59, tzinfo=datetime.timezone.utc)",
      ],
      [
        "2002-12-14 21:59:00 -00:00",
        "2002-12-14 21:59:00+00:00",
        "datetime.datetime(2002, 12, 14, 21, 59, tzinfo=datetime.timezone.utc)",
      ],
    ];
    for (const [text, str, repr] of cases) {
      assert.equal(pyStr(new YamlTimestamp(text)), str, text);
      assert.equal(pyRepr(new YamlTimestamp(text)), repr, text);
    }
    assert.equal(pyTypeName(new YamlTimestamp("2026-01-01")), "datetime.date");
    assert.equal(pyTypeName(new YamlTimestamp("2026-01-01 10:00:00")), "datetime.datetime");
  });

  it("names Python types", () => {
    const cases: [unknown, string][] = [
      ["x", "str"],
      [null, "NoneType"],
      [true, "bool"],
      [1, "int"],
      [new PyFloat(1), "float"],
      [[], "list"],
      [{}, "dict"],
      [new Uint8Array(0), "bytes"],
    ];
    for (const [value, name] of cases) assert.equal(pyTypeName(value), name, name);
  });

  it("follows Python truthiness", () => {
    for (const value of [null, undefined, false, 0, "", [], {}, new PyFloat(0), new Uint8Array(0)]) {
      assert.equal(pyTruthy(value), false, pyRepr(value));
    }
    for (const value of [
      true,
      1,
      -1,
      "0",
      " ",
      [0],
      { a: null },
      new PyFloat(Number.NaN),
      new PyFloat(0.1),
    ]) {
      assert.equal(pyTruthy(value), true, pyRepr(value));
    }
  });
});
