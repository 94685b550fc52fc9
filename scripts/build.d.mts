// Types of the exports of build.mjs that TypeScript callers (tests) use.

/** Output path of the browser core bundle (dist/core/index.js). */
export declare const CORE_BUNDLE: string;

/** esbuild metafile subset read by {@link builtinChains}. */
interface Metafile {
  inputs: Record<string, { imports: { path: string; external?: boolean; original?: string }[] }>;
}

/** Every import chain from `entry` to a Node built-in, shortest first. */
export declare function builtinChains(metafile: Metafile, entry: string): string[];

/**
 * Bundles `entry` (default src/core/index.ts) as one ES module for browsers and returns its
 * code; rejects, naming every import chain, if any Node built-in is reachable from it.
 */
export declare function bundleBrowserCore(entry?: string, options?: { minify?: boolean }): Promise<string>;

/** Builds the CLI into `outdir` (default dist/). */
export declare function buildCli(outdir?: string, options?: { profiling?: boolean }): Promise<void>;

/** esbuild options shared by every bundle. */
export declare const bundleOptions: Record<string, unknown>;
