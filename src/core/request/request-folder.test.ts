import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { fixedDeps } from "../../../test/helpers/deps.ts";
import { REPO_ROOT } from "../../../test/helpers/fixtures.ts";
import { fromUtf8 } from "../bytes/encoding.ts";
import { parseYamlMapping } from "../inputs/structured.ts";
import { parseParticipantDefinition } from "../participant/parse-participant.ts";
import { buildRequest } from "./build-request.ts";
import { privateFolderReadme, requestFolderFiles } from "./request-folder.ts";

describe("requestFolderFiles", () => {
  test("lists the six files cert request writes, with its modes, the zip last", async () => {
    const bytes = new Uint8Array(readFileSync(join(REPO_ROOT, "examples", "hospital", "hospital-b.yaml")));
    const definition = parseParticipantDefinition(
      parseYamlMapping(bytes, "hospital-b.yaml"),
      "hospital-b.yaml",
    );
    const bundle = await buildRequest(definition, fixedDeps());
    const files = requestFolderFiles(bundle);
    assert.deepEqual(
      files.map((f) => [f.name, f.mode]),
      [
        ["hospital-b.key", 0o600],
        ["hospital-b.csr", 0o644],
        ["site.yaml", 0o644],
        ["request.json", 0o600],
        ["request-code.txt", 0o644],
        ["hospital-b.request.zip", 0o600],
      ],
    );
    assert.equal(fromUtf8(files[0]?.bytes as Uint8Array), bundle.keyPem);
    assert.equal(fromUtf8(files[4]?.bytes as Uint8Array), `${bundle.requestCode}\n`);
    assert.equal(files[5]?.bytes, bundle.requestZip);
  });
});

describe("privateFolderReadme", () => {
  test("names the key, says it must stay on this machine and what may be sent", () => {
    const text = privateFolderReadme({
      folder: "site-1",
      keyFile: "site-1.key",
      purpose: "the private key of participant site-1",
      sendable: "site-1.request.zip",
    });
    assert.match(text, /^THIS ARCHIVE HOLDS A PRIVATE KEY: site-1\/site-1\.key\n/);
    assert.match(text, /Keep this archive .* on this machine/);
    assert.match(text, /What you may send: site-1\.request\.zip/);
  });
});
