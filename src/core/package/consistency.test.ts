import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { securityMismatchConsequence, serverSecurityWarning } from "./consistency.ts";

describe("serverSecurityWarning", () => {
  test("warns a server on mtls in a tls project that tls clients will never register", () => {
    assert.equal(
      serverSecurityWarning({ certType: "server", localOverride: "mtls", projectDefault: "tls" }),
      "Warning: the server's local connection_security 'mtls' differs from the approved project default 'tls'. " +
        "Clients and admins are packaged with the project default 'tls': a server on mtls requires client " +
        "certificates and refuses tls clients and admins, which then never register or log in. Remove " +
        "connection_security from the server's participant definition, or ask the Project Admin to change " +
        "connection_security in project_profile.yaml.",
    );
  });

  const quiet: Array<[string, { certType: string; localOverride: unknown; projectDefault: string }]> = [
    ["a server without override", { certType: "server", localOverride: undefined, projectDefault: "tls" }],
    [
      "a server whose override equals the default (any case)",
      { certType: "server", localOverride: "TLS", projectDefault: "tls" },
    ],
    [
      "a client (its override is ignored anyway)",
      { certType: "client", localOverride: "mtls", projectDefault: "tls" },
    ],
    ["an admin", { certType: "lead", localOverride: "clear", projectDefault: "tls" }],
    ["a value the kit builder rejects", { certType: "server", localOverride: "ssl", projectDefault: "tls" }],
  ];
  for (const [label, input] of quiet) {
    test(`says nothing for ${label}`, () => {
      assert.equal(serverSecurityWarning(input), undefined);
    });
  }
});

describe("securityMismatchConsequence", () => {
  const table: Array<[string, string, string]> = [
    [
      "mtls",
      "tls",
      "a server on mtls requires client certificates and refuses tls clients and admins, which then never register or log in",
    ],
    [
      "tls",
      "mtls",
      "a server on tls never asks for client certificates, so the mutual TLS the project requires is not enforced",
    ],
    [
      "clear",
      "tls",
      "one side speaks plain TCP (clear) and the other TLS, so clients and admins on tls cannot connect to a server on clear and never register",
    ],
    [
      "mtls",
      "clear",
      "one side speaks plain TCP (clear) and the other TLS, so clients and admins on clear cannot connect to a server on mtls and never register",
    ],
    ["tls", "tls", ""],
  ];
  for (const [server, others, expected] of table) {
    test(`server ${server} with clients on ${others}`, () => {
      assert.equal(securityMismatchConsequence(server, others), expected);
    });
  }
});
