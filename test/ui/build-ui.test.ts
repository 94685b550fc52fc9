import assert from "node:assert/strict";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { makeTempDir, REPO_ROOT } from "../helpers/fixtures.ts";

// scripts/build.mjs is plain JavaScript without types; its buildUi takes (outdir, { entry }).
const { buildUi } = (await import(join(REPO_ROOT, "scripts", "build.mjs"))) as {
  buildUi: (outdir: string, options?: { entry?: string }) => Promise<void>;
};

describe("the web app build", () => {
  test("writes index.html, one script and one style sheet, and the bundle names no Node module", async () => {
    const { dir, cleanup } = makeTempDir("flare-ui-build-");
    try {
      await buildUi(dir);
      assert.deepEqual(readdirSync(dir).sort(), ["app.css", "app.js", "index.html"]);
      const js = readFileSync(join(dir, "app.js"), "utf8");
      assert.doesNotMatch(js, /require\(["']node:|from ?["']node:/);
      const html = readFileSync(join(dir, "index.html"), "utf8");
      assert.match(html, /<script src="app\.js" defer><\/script>/);
      assert.match(html, /<link rel="stylesheet" href="app\.css">/);
      assert.doesNotMatch(html, /https?:\/\//, "no third-party asset is referenced");
    } finally {
      cleanup();
    }
  });

  test("fails when the page would pull in a Node built-in", async () => {
    const { dir, cleanup } = makeTempDir("flare-ui-build-");
    try {
      const entry = join(dir, "entry.ts");
      writeFileSync(entry, 'import { readFileSync } from "node:fs";\nconsole.log(readFileSync);\n');
      await assert.rejects(
        buildUi(join(dir, "out"), { entry }),
        /must not import Node built-ins:\n {2}\S*entry\.ts -> node:fs/,
      );
      writeFileSync(entry, 'import { join } from "path";\nconsole.log(join);\n');
      await assert.rejects(
        buildUi(join(dir, "out"), { entry }),
        /must not import Node built-ins:\n {2}\S*entry\.ts -> path/,
      );
    } finally {
      cleanup();
    }
  });
});
