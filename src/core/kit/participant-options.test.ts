import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { PyFloat } from "../data/py-float.ts";
import type { ErrorCode } from "../errors/codes.ts";
import { isFlareError } from "../errors/flare-error.ts";
import { readParticipantOptions } from "./participant-options.ts";
import { pyJsonString, pyJsonStringMap } from "./py-json.ts";
import { commentText, shellWord } from "./shell.ts";

const HOST = "server1.example.org";
type Kind = "server" | "client" | "admin";

describe("readParticipantOptions", () => {
  test("gives the defaults for a bare participant", () => {
    assert.deepEqual(readParticipantOptions({ name: "site-1" }, "client", HOST), {
      useAio: false,
      authIdentity: null,
      connectTo: { host: null, port: null },
      connectionSecurity: null,
      numOfGpus: "0",
      memPerGpuInGiB: "0",
      allowLogStreaming: true,
    });
  });

  const ok: [string, Kind, Record<string, unknown>, Record<string, unknown>][] = [
    [
      "a lower-cased server connection_security",
      "server",
      { connection_security: "MTLS" },
      { connectionSecurity: "mtls" },
    ],
    [
      "an empty server connection_security as absent",
      "server",
      { connection_security: "" },
      { connectionSecurity: null },
    ],
    [
      "connect_to of a server as irrelevant",
      "server",
      { connect_to: 5 },
      { connectTo: { host: null, port: null } },
    ],
    [
      "connection_security of a client as irrelevant",
      "client",
      { connection_security: 7 },
      { connectionSecurity: null },
    ],
    [
      "a connect_to naming the server itself",
      "client",
      { connect_to: { name: HOST, host: "10.0.0.1" } },
      { connectTo: { host: "10.0.0.1", port: null } },
    ],
    [
      "connect_to port 0 as unset",
      "admin",
      { connect_to: { port: 0 } },
      { connectTo: { host: null, port: null } },
    ],
    [
      "float capacity in Python's spelling",
      "client",
      { capacity: { mem_per_gpu_in_GiB: new PyFloat(16) } },
      { memPerGpuInGiB: "16.0" },
    ],
    ["a null capacity as absent", "client", { capacity: null }, { numOfGpus: "0" }],
    ["capacity of a server as irrelevant", "server", { capacity: "lots" }, { numOfGpus: "0" }],
  ];
  for (const [name, kind, participant, expected] of ok) {
    test(`accepts ${name}`, () => {
      const options = readParticipantOptions(participant, kind, HOST) as unknown as Record<string, unknown>;
      for (const [key, value] of Object.entries(expected)) assert.deepEqual(options[key], value, key);
    });
  }

  const fail: [string, Kind, Record<string, unknown>, ErrorCode, string][] = [
    ["a string use_aio", "client", { use_aio: "yes" }, "LOCAL_SITE_INVALID", "use_aio must be a boolean"],
    [
      "an empty auth_identity",
      "client",
      { auth_identity: "" },
      "LOCAL_SITE_INVALID",
      "auth_identity must be a non-empty string",
    ],
    [
      "a numeric auth_identity",
      "server",
      { auth_identity: 3 },
      "LOCAL_SITE_INVALID",
      "auth_identity must be a non-empty string",
    ],
    [
      "an unknown server connection_security",
      "server",
      { connection_security: "ssl" },
      "LOCAL_SITE_INVALID",
      "bad value for connection_security 'ssl': must be one of clear, tls, mtls",
    ],
    [
      "a list connect_to",
      "client",
      { connect_to: ["a"] },
      "LOCAL_SITE_INVALID",
      "connect_to must be a mapping with host and/or port",
    ],
    [
      "a connect_to host with an underscore",
      "client",
      { connect_to: { host: "bad_host" } },
      "LOCAL_SITE_INVALID",
      "bad value for connect_to.host 'bad_host': not a valid host name",
    ],
    [
      "a string connect_to port",
      "admin",
      { connect_to: { port: "8003" } },
      "LOCAL_SITE_INVALID",
      "bad value for connect_to.port '8003': must be an integer from 1 to 65535",
    ],
    ["a capacity list", "client", { capacity: [1] }, "LOCAL_SITE_INVALID", "capacity must be a mapping"],
    [
      "a boolean GPU count",
      "client",
      { capacity: { num_of_gpus: true } },
      "LOCAL_SITE_INVALID",
      "capacity.num_of_gpus must be a non-negative number",
    ],
    [
      "a null allow_log_streaming",
      "client",
      { allow_log_streaming: null },
      "LOCAL_SITE_INVALID",
      "allow_log_streaming must be a boolean",
    ],
  ];
  for (const [name, kind, participant, code, detail] of fail) {
    test(`rejects ${name}`, () => {
      assert.throws(
        () => readParticipantOptions(participant, kind, HOST),
        (error: unknown) =>
          isFlareError(error, code) && error.message === `Invalid local participant definition: ${detail}`,
      );
    });
  }

  test("rejects a connect_to that names a relay as unsupported", () => {
    assert.throws(
      () => readParticipantOptions({ connect_to: { name: "relay-1" } }, "admin", HOST),
      (error: unknown) =>
        isFlareError(error, "LOCAL_SITE_UNSUPPORTED_FEATURE") &&
        error.message.includes("connect_to.name 'relay-1'"),
    );
  });
});

describe("text helpers", () => {
  test("pyJsonString escapes non-ASCII like json.dumps and leaves ASCII alone", () => {
    assert.equal(pyJsonString("site-1"), '"site-1"');
    assert.equal(pyJsonString('a"b\\c\n'), '"a\\"b\\\\c\\n"');
    assert.equal(pyJsonString("\u00e9\u{1f600}"), '"\\u00e9\\ud83d\\ude00"');
  });

  test("pyJsonStringMap indents continuation lines by the prefix", () => {
    assert.equal(pyJsonStringMap({ a: "b" }, "    "), '{\n      "a": "b"\n    }');
  });

  test("shellWord leaves plain words alone and single-quotes the rest", () => {
    assert.equal(shellWord("org=hospital_alpha"), "org=hospital_alpha");
    assert.equal(shellWord("config_folder="), "config_folder=");
    assert.equal(shellWord("org=a b"), "'org=a b'");
    assert.equal(shellWord("x'$(id)"), "'x'\\''$(id)'");
    assert.equal(shellWord(""), "''");
  });

  test("commentText neutralizes line breaks", () => {
    assert.equal(commentText("a\nrm -rf /"), "a?rm -rf /");
  });
});
