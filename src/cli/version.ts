/** The package version, replaced at bundle time by the build script. */
export const VERSION: string = typeof __FLARE_VERSION__ === "string" ? __FLARE_VERSION__ : "0.0.0-dev";

declare const __FLARE_VERSION__: string | undefined;
