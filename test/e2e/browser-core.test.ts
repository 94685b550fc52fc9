import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, test } from "node:test";
import { types } from "node:util";
import vm from "node:vm";
import { build, transform } from "esbuild";
import { FIXTURE_TIME } from "../helpers/deps.ts";
import { makeTempDir, REPO_ROOT, readFixture } from "../helpers/fixtures.ts";
import { fixtureKitListing } from "../helpers/kit-inputs.ts";

// `flare-provision/core` as built: dist/core/index.js, one ES module for browsers.
const BUNDLE = join(REPO_ROOT, "dist", "core", "index.js");
const KIT = "hospital/work/workspace/hospital_federation/prod_00/hospital-a/";
// The kit's JSON configs must equal the reference's byte for byte; certificate, key and root
// are this run's own, readme and scripts our own wording (test/interop compares what they run).
const JSON_CONFIG = /\.json(\.default|\.sample)?$/;

/**
 * The globals a browser page offers the bundle, made inside the context so that every object
 * it gets back (bytes, promises, key pairs) is of its own realm, as in a browser. WebCrypto,
 * TextEncoder and TextDecoder are the host's behind that realm boundary. No process, require,
 * module, Buffer, setImmediate or global.
 */
const BROWSER_GLOBALS = `(host) => {
  const copyBuffer = (buffer) => {
    const out = new ArrayBuffer(buffer.byteLength);
    new Uint8Array(out).set(new Uint8Array(buffer));
    return out;
  };
  const own = (value) => {
    const tag = Object.prototype.toString.call(value);
    if (tag === "[object ArrayBuffer]") return copyBuffer(value);
    if (tag === "[object CryptoKey]" || value === null || typeof value !== "object") return value;
    if (Array.isArray(value)) return value.map(own);
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, own(v)]));
  };
  const subtle = {};
  for (const name of ["digest", "encrypt", "decrypt", "sign", "verify", "generateKey", "importKey", "exportKey", "deriveBits", "deriveKey", "wrapKey", "unwrapKey"]) {
    subtle[name] = async (...args) => {
      try {
        return own(await host.crypto.subtle[name](...host.toHost(args)));
      } catch (error) {
        const copy = new Error(String(error && error.message));
        copy.name = String(error && error.name);
        throw copy;
      }
    };
  }
  globalThis.crypto = {
    subtle,
    getRandomValues: (array) => { host.crypto.getRandomValues(array); return array; },
    randomUUID: () => host.crypto.randomUUID(),
  };
  globalThis.TextEncoder = class TextEncoder {
    get encoding() { return "utf-8"; }
    encode(text = "") { const bytes = host.encoder.encode(String(text)); const out = new Uint8Array(bytes.length); out.set(bytes); return out; }
  };
  globalThis.TextDecoder = class TextDecoder {
    constructor(label = "utf-8", options = {}) { this.inner = new host.TextDecoder(label, options); }
    get encoding() { return this.inner.encoding; }
    decode(bytes, options) { return this.inner.decode(bytes, options); }
  };
  globalThis.atob = host.atob;
  globalThis.btoa = host.btoa;
  globalThis.setTimeout = host.setTimeout;
  globalThis.clearTimeout = host.clearTimeout;
  globalThis.queueMicrotask = host.queueMicrotask;
  globalThis.self = globalThis;
}`;

/**
 * request -> approve -> verify -> kit, written as a browser page would call the bundle: only
 * text goes in (the profile and participant YAML), a JSON summary comes out.
 */
const FLOW = `async ({ profileYaml, participantYaml, now }) => {
  const core = globalThis.flareCore;
  const encode = (text) => new TextEncoder().encode(text);
  const deps = {
    crypto,
    now: () => new Date(now),
    randomBytes: (n) => crypto.getRandomValues(new Uint8Array(n)),
  };
  const profileBytes = encode(profileYaml);
  const project = core.readProfileName(core.parseYamlMapping(profileBytes, "project_profile.yaml"), "project_profile.yaml");
  const ca = await core.createRootCa({ project, validDays: 3650, deployVersion: "00", profilePath: "project_profile.yaml" }, deps);

  const definition = core.parseParticipantDefinition(core.parseYamlMapping(encode(participantYaml), "hospital-a.yaml"), "hospital-a.yaml");
  const request = await core.buildRequest(definition, deps);

  const approval = await core.approveRequest({
    requestZip: request.requestZip,
    caDir: "ca",
    caJson: { path: "ca/ca.json", bytes: encode(ca.caJson) },
    rootCaPem: { path: "ca/rootCA.pem", bytes: encode(ca.certPem) },
    rootCaKey: { path: "ca/rootCA.key", bytes: encode(ca.keyPem) },
    profile: { path: "project_profile.yaml", bytes: profileBytes },
    validDays: 1095,
  }, deps);

  const verified = await core.verifySignedZip(approval.signedZip, { label: "hospital-a.signed.zip", expectedFingerprint: ca.fingerprint }, deps);
  const local = {
    keyPem: encode(request.keyPem),
    keyPath: "hospital-a/hospital-a.key",
    requestJson: encode(request.requestJson),
    siteYaml: encode(request.localSiteYaml),
  };
  const built = await core.buildKitFromSignedZip(approval.signedZip, local, { label: "hospital-a.signed.zip", expectedFingerprint: ca.fingerprint }, deps);
  // The same kit from the parts a caller can also use one by one.
  const paired = await core.checkLocalRequest(verified, local, deps);
  const byParts = core.buildKit({
    project: paired.project, name: verified.name, org: verified.org, certType: verified.certType,
    participant: paired.participant, builders: paired.builders,
    signed: { scheme: verified.scheme, defaultConnectionSecurity: verified.defaultConnectionSecurity, server: verified.server },
    certPem: verified.certPem, keyPem: local.keyPem, rootCaPem: verified.rootPem,
  });

  const tampered = approval.signedZip.slice();
  const at = tampered.length - 200;
  tampered[at] = tampered[at] ^ 0xff;
  let tamperCode = "accepted";
  try {
    await core.verifySignedZip(tampered, { label: "tampered.signed.zip", expectedFingerprint: ca.fingerprint }, deps);
  } catch (error) {
    tamperCode = core.isFlareError(error) ? error.code : "not a FlareError: " + error;
  }
  let otherRootCode = "accepted";
  try {
    await core.verifySignedZip(approval.signedZip, { label: "x.signed.zip", expectedFingerprint: "SHA256:" + "00:".repeat(31) + "00" }, deps);
  } catch (error) {
    otherRootCode = error.code;
  }
  const inspected = await core.inspectSignedZip(approval.signedZip, { label: "hospital-a.signed.zip", expectedFingerprint: ca.fingerprint }, deps);
  const decode = (bytes) => new TextDecoder().decode(bytes);
  return JSON.stringify({
    fingerprint: ca.fingerprint,
    verified: { fingerprint: verified.fingerprint, name: verified.name, certType: verified.certType, project: verified.project },
    requestMembers: core.readZip(request.requestZip).map((e) => e.name),
    signedMembers: core.readZip(approval.signedZip).map((e) => e.name),
    kit: Object.fromEntries([...built.kit.files].map(([path, file]) => [path, { mode: file.mode, text: decode(file.bytes) }])),
    dirs: built.kit.dirs,
    sameByParts: [...byParts.files].every(([path, file]) => decode(file.bytes) === decode(built.kit.files.get(path).bytes)) && byParts.files.size === built.kit.files.size,
    keyPem: request.keyPem,
    certPem: decode(verified.certPem),
    rootPem: ca.certPem,
    warnings: built.warnings,
    tamperCode,
    otherRootCode,
    inspectFailed: core.failedChecks(inspected),
    inspectChecks: inspected.checks.length,
  });
}`;

/**
 * Arguments from the context's realm as host objects: Node's WebCrypto, like a browser's,
 * accepts only buffers of its own realm. Bytes are copied; keys pass as they are.
 */
function toHost(value: unknown): unknown {
  if (types.isAnyArrayBuffer(value)) return new Uint8Array(value).slice().buffer;
  if (ArrayBuffer.isView(value))
    return new Uint8Array(value.buffer, value.byteOffset, value.byteLength).slice();
  if (value === null || typeof value !== "object" || types.isCryptoKey(value)) return value;
  if (Array.isArray(value)) return value.map(toHost);
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, toHost(item)]));
}

/** A fresh browser-like context with the built bundle evaluated in it. */
async function loadBundle(): Promise<vm.Context> {
  if (!existsSync(BUNDLE)) throw new Error("dist/core/index.js is missing: run `npm run build`");
  // The ES module's exports become one global: the bundle's own code runs unchanged.
  const { code } = await transform(readFileSync(BUNDLE, "utf8"), {
    format: "iife",
    globalName: "flareCore",
    target: "es2022",
    logLevel: "silent",
  });
  const context = vm.createContext({});
  vm.runInContext(
    BROWSER_GLOBALS,
    context,
  )({
    crypto: globalThis.crypto,
    toHost,
    encoder: new TextEncoder(),
    TextDecoder,
    atob,
    btoa,
    setTimeout,
    clearTimeout,
    queueMicrotask,
  });
  vm.runInContext(code, context, { filename: "dist/core/index.js" });
  return context;
}

describe("flare-provision/core, the built browser bundle", () => {
  test("imports nothing: every dependency is inside the one file", async () => {
    const result = await build({
      entryPoints: [BUNDLE],
      bundle: true,
      write: false,
      metafile: true,
      platform: "neutral",
      absWorkingDir: REPO_ROOT,
      logLevel: "silent",
    });
    const input = result.metafile.inputs[relative(REPO_ROOT, BUNDLE)];
    assert.ok(input, Object.keys(result.metafile.inputs).join(", "));
    assert.deepEqual(input.imports, []);
  });

  test("has no process, require or Buffer to lean on in its context", async () => {
    const context = await loadBundle();
    assert.equal(
      vm.runInContext(
        "[typeof process, typeof require, typeof Buffer, typeof module, typeof global, typeof flareCore.buildKit].join()",
        context,
      ),
      "undefined,undefined,undefined,undefined,undefined,function",
    );
  });

  test("runs request -> approve -> verify -> kit with only WebCrypto", async () => {
    const context = await loadBundle();
    const flow = vm.runInContext(FLOW, context);
    const result = JSON.parse(
      await flow({
        profileYaml: new TextDecoder().decode(readFixture("hospital/work/project_profile.yaml")),
        participantYaml: new TextDecoder().decode(readFixture("hospital/work/hospital-a.yaml")),
        now: FIXTURE_TIME.toISOString(),
      }),
    );
    assert.match(result.fingerprint, /^SHA256:([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    assert.deepEqual(result.verified, {
      fingerprint: result.fingerprint,
      name: "hospital-a",
      certType: "client",
      project: "hospital_federation",
    });
    assert.deepEqual(result.requestMembers, ["request.json", "site.yaml", "hospital-a.csr"]);
    assert.deepEqual([...result.signedMembers].sort(), [
      "hospital-a.crt",
      "rootCA.pem",
      "signed.json",
      "signed.json.sig",
      "site.yaml",
    ]);
    assert.equal(result.tamperCode, "INVALID_SIGNED_ZIP");
    assert.equal(result.otherRootCode, "ROOTCA_FINGERPRINT_MISMATCH");
    assert.deepEqual(result.inspectFailed, []);
    assert.ok(result.inspectChecks >= 20, String(result.inspectChecks));
    assert.deepEqual(result.warnings, []);
    assert.equal(result.sameByParts, true);

    // The reference's kit for the same participant: the same files with the same modes, and
    // the same JSON configs byte for byte.
    const reference = fixtureKitListing(KIT.replace(/\/$/, ""));
    assert.deepEqual(
      Object.fromEntries(
        Object.entries(result.kit as Record<string, { mode: number }>).map(([path, file]) => [
          path,
          file.mode,
        ]),
      ),
      Object.fromEntries([...reference.files].sort()),
    );
    assert.deepEqual(result.dirs, reference.dirs);
    const configs = [...reference.files.keys()].filter((path) => JSON_CONFIG.test(path));
    assert.ok(configs.includes("startup/fed_client.json"));
    for (const path of configs) {
      assert.equal(result.kit[path].text, new TextDecoder().decode(readFixture(KIT, path)), path);
    }
    assert.equal(result.kit["startup/client.key"].text, result.keyPem);
    assert.equal(result.kit["startup/client.crt"].text, result.certPem);
    assert.equal(result.kit["startup/rootCA.pem"].text, result.rootPem);
  });

  test("the build refuses a browser entry that reaches a Node built-in, naming the import chain", async () => {
    const { bundleBrowserCore } = await import("../../scripts/build.mjs");
    const { dir, cleanup } = makeTempDir("flare-browser-guard-");
    try {
      writeFileSync(join(dir, "entry.ts"), 'import { a } from "./middle.ts";\nexport const x = a;\n');
      writeFileSync(
        join(dir, "middle.ts"),
        'import { readFileSync } from "node:fs";\nimport { join } from "path";\nexport const a = [readFileSync, join];\n',
      );
      const entry = relative(REPO_ROOT, join(dir, "entry.ts"));
      const middle = relative(REPO_ROOT, join(dir, "middle.ts"));
      await assert.rejects(bundleBrowserCore(join(dir, "entry.ts")), {
        message: `${join(dir, "entry.ts")} must run in a browser, but it imports Node built-ins:\n  ${entry} -> ${middle} -> node:fs\n  ${entry} -> ${middle} -> path`,
      });
    } finally {
      cleanup();
    }
  });
});
