/**
 * The browser front end's entry: three views (Request, Approve, Package) switched by the URL
 * fragment, so the page works from any static host and never loads anything after itself.
 * Every key is generated and kept in this page; it talks to no server (see index.html's CSP).
 */
import { mountApproveView } from "./approve-view.ts";
import { platformDeps } from "./core-api.ts";
import { mountPackageView } from "./package-view.ts";
import { mountRequestView } from "./request-view.ts";

const VIEWS = ["request", "approve", "package"] as const;
type View = (typeof VIEWS)[number];

function currentView(): View {
  const wanted = location.hash.replace(/^#/, "");
  return (VIEWS as readonly string[]).includes(wanted) ? (wanted as View) : "request";
}

function show(view: View, focus: boolean): void {
  for (const name of VIEWS) {
    const section = document.getElementById(`view-${name}`) as HTMLElement;
    const link = document.querySelector(`a[href="#${name}"]`) as HTMLAnchorElement;
    section.hidden = name !== view;
    if (name === view) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  const heading = document.querySelector(`#view-${view} h1`) as HTMLElement | null;
  // Moving focus to the new view's heading tells keyboard and screen-reader users where they are.
  if (focus) heading?.focus();
}

function start(): void {
  if (!globalThis.crypto?.subtle) {
    (document.getElementById("unsupported") as HTMLElement).hidden = false;
    return;
  }
  const deps = platformDeps();
  mountRequestView(document.getElementById("request-body") as HTMLElement, deps);
  mountApproveView(document.getElementById("approve-body") as HTMLElement, deps);
  mountPackageView(document.getElementById("package-body") as HTMLElement, deps);
  window.addEventListener("hashchange", () => show(currentView(), true));
  show(currentView(), false);
  document.documentElement.dataset.ready = "true";
  performance.mark("flare-ui-ready");
}

start();
