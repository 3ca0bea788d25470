// The built book in a real browser.
//
//   node check.mjs BUILD_DIR [--screenshots DIR]
//   node check.mjs --self-test
//
// Serves BUILD_DIR (the output of `mdbook build book`) on a loopback port,
// opens every HTML page in headless Chromium (Debian's /usr/bin/chromium,
// or $CHROMIUM) and fails, naming the page and the reason, when:
//   - a script throws, or the console reports an error;
//   - a request fails or is answered with an error status;
//   - an image (every diagram is an SVG image) did not decode: a broken
//     SVG file loads with a width of 0;
//   - a `.mermaid` block holds no rendered <svg>;
//   - on an mdbook page: the sidebar's table of contents (filled in by a
//     script) lacks a chapter of SUMMARY.md or does not mark the current
//     one, a code block was not highlighted, or the page has no title.
// It also types into the search box of the first page and expects results.
//
// --self-test runs the same checks on a tiny site with one good page and
// one planted fault per check, and fails unless exactly the faulty pages
// are rejected, each for its own reason.

import { chromium } from "playwright-core";
import { createServer } from "node:http";
import { readFile, readdir, stat, mkdtemp, writeFile, mkdir, rm } from "node:fs/promises";
import { join, normalize, extname, relative, resolve, sep } from "node:path";
import { tmpdir } from "node:os";

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".css": "text/css",
  ".js": "text/javascript",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff": "font/woff",
  ".woff2": "font/woff2",
  ".ttf": "font/ttf",
  ".txt": "text/plain",
};

/** Serve `root` on 127.0.0.1 (any free port); resolves to the server. */
function serve(root) {
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url, "http://x").pathname);
    let file = normalize(join(root, path));
    if (file !== root && !file.startsWith(root + sep)) {
      res.writeHead(403).end();
      return;
    }
    try {
      if ((await stat(file)).isDirectory()) file = join(file, "index.html");
      const body = await readFile(file);
      const type = TYPES[extname(file)] ?? "application/octet-stream";
      res.writeHead(200, { "content-type": type }).end(body);
    } catch {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found");
    }
  });
  return new Promise((ok) => server.listen(0, "127.0.0.1", () => ok(server)));
}

/** Every .html file under `dir`, relative to it, sorted. */
async function htmlPages(dir, under = "") {
  const out = [];
  for (const entry of await readdir(join(dir, under), { withFileTypes: true })) {
    const rel = under ? `${under}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...(await htmlPages(dir, rel)));
    else if (entry.name.endsWith(".html")) out.push(rel);
  }
  return out.sort();
}

/** The chapter links of SUMMARY.md next to the build dir, as .html paths. */
async function summaryChapters(buildDir) {
  try {
    const text = await readFile(join(buildDir, "..", "src", "SUMMARY.md"), "utf8");
    return [...text.matchAll(/\]\(([^)]+)\.md\)/g)].map((m) => `${m[1]}.html`);
  } catch {
    return [];
  }
}

async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    chromiumSandbox: false,
    // The machine has no outside network: keep Chromium from trying.
    args: [
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/**
 * Open `path` on `base` in a fresh page; the problems found, as strings.
 * `chapters` is what the sidebar must list on an mdbook page.
 */
async function checkPage(browser, base, path, chapters, shots) {
  const problems = [];
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const origin = new URL(base).origin;
  page.on("pageerror", (e) => problems.push(`script error: ${e.message}`));
  page.on("console", (m) => {
    // A page without an icon link gets the browser's own /favicon.ico try.
    const own = m.location().url.endsWith("/favicon.ico");
    if (m.type() === "error" && !own) problems.push(`console error: ${m.text()}`);
  });
  page.on("requestfailed", (r) =>
    problems.push(`request failed: ${r.url()} (${r.failure()?.errorText})`),
  );
  page.on("response", (r) => {
    if (r.url().startsWith(origin) && r.status() >= 400) {
      problems.push(`${r.status()} for ${r.url().slice(origin.length)}`);
    }
  });
  const response = await page.goto(base + path, { waitUntil: "load" });
  if (!response || !response.ok()) {
    problems.push(`the page itself was answered ${response?.status()}`);
  }
  // Images decode asynchronously after `load` only when lazy; wait for all.
  await page.evaluate(() =>
    Promise.all([...document.images].map((i) => i.decode().catch(() => {}))),
  );
  const found = await page.evaluate(() => {
    const out = [];
    for (const img of document.images) {
      if (!img.complete || img.naturalWidth === 0) {
        out.push(`image did not render: ${img.getAttribute("src")}`);
      }
    }
    for (const block of document.querySelectorAll(".mermaid")) {
      if (!block.querySelector("svg")) out.push("a mermaid diagram did not render");
    }
    const sidebar = document.querySelector("#mdbook-sidebar");
    if (!sidebar) return { out, mdbook: false };
    const links = [...sidebar.querySelectorAll("a[href]")].map((a) =>
      new URL(a.href).pathname.replace(/^\//, ""),
    );
    const active = sidebar.querySelector("a.active");
    const plain = [...document.querySelectorAll("pre > code")].filter(
      (c) => !c.classList.contains("hljs"),
    ).length;
    if (plain) out.push(`${plain} code block(s) not highlighted`);
    if (!document.querySelector("#mdbook-content main h1, #mdbook-content main h2")) {
      out.push("no heading in the page's content");
    }
    return { out, mdbook: true, links, active: active?.getAttribute("href") ?? null };
  });
  problems.push(...found.out);
  if (found.mdbook) {
    const missing = chapters.filter((c) => !found.links.includes(c));
    if (missing.length) {
      problems.push(`the sidebar lacks ${missing.length} chapter(s), e.g. ${missing[0]}`);
    }
    const special = ["print.html", "toc.html", "404.html", "index.html"];
    if (!special.includes(path) && chapters.includes(path) && !found.active) {
      problems.push("the sidebar does not mark the current chapter");
    }
  }
  if (shots && problems.length === 0) await screenshots(page, path, shots);
  await page.close();
  return problems;
}

/** Which pages get a screenshot: the opening page and every diagram. */
async function screenshots(page, path, dir) {
  const slug = path.replace(/\.html$/, "").replaceAll("/", "-");
  if (path === "index.html") {
    await page.screenshot({ path: join(dir, `${slug}.png`) });
  }
  if (path === "print.html") return; // every diagram again
  // mdbook keeps a hidden copy of each image for its click-to-zoom view.
  const diagrams = page.locator('main img[src$=".svg"]').filter({ visible: true });
  for (let i = 0; i < (await diagrams.count()); i++) {
    await diagrams.nth(i).scrollIntoViewIfNeeded();
    await diagrams.nth(i).screenshot({ path: join(dir, `${slug}-diagram-${i + 1}.png`) });
  }
}

/** Type into the search box of `path`; a problem if no result shows. */
async function checkSearch(browser, base, path, word) {
  const page = await browser.newPage();
  await page.goto(base + path, { waitUntil: "load" });
  await page.click("#mdbook-search-toggle");
  await page.fill("#mdbook-searchbar", word);
  try {
    await page.waitForSelector("#mdbook-searchresults li", { timeout: 5000 });
    return [];
  } catch {
    return [`searching for "${word}" showed no result`];
  } finally {
    await page.close();
  }
}

/** Check every page of `buildDir`; the problems, as "page: reason". */
async function checkBook(buildDir, shots, { search = true } = {}) {
  const root = resolve(buildDir);
  const pages = await htmlPages(root);
  const chapters = await summaryChapters(root);
  const server = await serve(root);
  const base = `http://127.0.0.1:${server.address().port}/`;
  const browser = await launch();
  const problems = [];
  try {
    for (const path of pages) {
      for (const p of await checkPage(browser, base, path, chapters, shots)) {
        problems.push(`${path}: ${p}`);
      }
    }
    if (search && pages.includes("index.html")) {
      for (const p of await checkSearch(browser, base, "index.html", "spinlock")) {
        problems.push(`index.html: ${p}`);
      }
    }
  } finally {
    await browser.close();
    server.close();
  }
  return { pages: pages.length, problems };
}

/** A site with one good page and one planted fault per check. */
const FIXTURE = {
  "good.html": `<html><body><main><h1>Good</h1>
      <img src="ok.svg"><pre><code>plain text is fine outside mdbook</code></pre></main></body></html>`,
  "ok.svg": `<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20"><rect width="40" height="20"/></svg>`,
  "script-error.html": `<html><body><h1>x</h1><script>undefinedFunction()</script></body></html>`,
  "console-error.html": `<html><body><h1>x</h1><script>console.error("boom")</script></body></html>`,
  "broken-diagram.html": `<html><body><h1>x</h1><img src="broken.svg"></body></html>`,
  "broken.svg": `<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20"><rect width="40"</svg>`,
  "missing-file.html": `<html><body><h1>x</h1><link rel="stylesheet" href="gone.css"></body></html>`,
  "mermaid.html": `<html><body><h1>x</h1><pre class="mermaid">graph TD; a-->b</pre></body></html>`,
  "empty-sidebar.html": `<html><body><nav id="mdbook-sidebar"></nav>
      <div id="mdbook-content"><main><h1>x</h1></main></div></body></html>`,
};

/** What each faulty page must be rejected for (a piece of the message). */
const EXPECTED = {
  "script-error.html": "script error",
  "console-error.html": "console error: boom",
  "broken-diagram.html": "image did not render: broken.svg",
  "missing-file.html": "404 for /gone.css",
  "mermaid.html": "mermaid diagram did not render",
  "empty-sidebar.html": "the sidebar lacks",
};

async function selfTest() {
  const dir = await mkdtemp(join(tmpdir(), "book-browser-self-test-"));
  const build = join(dir, "build");
  await mkdir(join(dir, "src"), { recursive: true });
  await mkdir(build);
  await writeFile(join(dir, "src", "SUMMARY.md"), "- [Good](good.md)\n");
  for (const [name, text] of Object.entries(FIXTURE)) await writeFile(join(build, name), text);
  let failed = 0;
  try {
    const { problems } = await checkBook(build, null, { search: false });
    for (const [page, reason] of Object.entries(EXPECTED)) {
      const hit = problems.some((p) => p.startsWith(`${page}:`) && p.includes(reason));
      console.log(`${hit ? "ok  " : "MISS"} ${page} rejected for "${reason}"`);
      if (!hit) failed++;
    }
    const good = problems.filter((p) => p.startsWith("good.html:"));
    console.log(`${good.length ? "MISS" : "ok  "} good.html passes`);
    failed += good.length;
    for (const p of good) console.log(`     ${p}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  if (failed) {
    console.log(`self-test: ${failed} check(s) did not behave`);
    process.exit(1);
  }
  console.log("self-test: every planted fault rejected, the good page passed");
}

async function main() {
  const args = process.argv.slice(2);
  if (args[0] === "--self-test") return selfTest();
  const shotAt = args.indexOf("--screenshots");
  const shots = shotAt >= 0 ? args[shotAt + 1] : null;
  const buildDir = args.find((a, i) => !a.startsWith("--") && (shotAt < 0 || i !== shotAt + 1));
  if (!buildDir || (shotAt >= 0 && !shots)) {
    console.error("usage: node check.mjs BUILD_DIR [--screenshots DIR] | --self-test");
    process.exit(2);
  }
  if (shots) await mkdir(shots, { recursive: true });
  const { pages, problems } = await checkBook(buildDir, shots);
  for (const p of problems) console.log(`browser: ${p}`);
  const where = shots ? `; screenshots in ${relative(process.cwd(), shots) || "."}` : "";
  console.log(`browser: ${pages} pages loaded in Chromium, ${problems.length} problem(s)${where}`);
  if (problems.length) process.exit(1);
}

main().catch((e) => {
  console.error(`browser check: ${e.stack ?? e}`);
  process.exit(2);
});
