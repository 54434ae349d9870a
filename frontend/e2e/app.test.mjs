// Browser test of the built web app against a real `sight serve` (DESIGN §6).
//
// Run with `npm run e2e` after `npm run build`: it starts `../.venv/bin/sight serve`
// on a free port with a fresh data directory (so a fresh embedded PostgreSQL), drives
// Debian's Chromium through playwright-core like a user, and stops both at the end.
// Chromium missing: skipped, or failed when CI=true. On a failure the step's
// screenshot and the server log are kept in a temp directory named in the error.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";
import { chromium } from "playwright-core";

const CHROMIUM = process.env.SIGHT_E2E_CHROMIUM ?? "/usr/bin/chromium";
// Without the background-networking flags Chromium keeps calling Google's services,
// which on a closed network only costs time and noise.
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const SIGHT = fileURLToPath(new URL("../../.venv/bin/sight", import.meta.url));
const BUILD = fileURLToPath(new URL("../../src/sight/static/index.html", import.meta.url));
const IN_CI = process.env.CI === "true" || process.env.CI === "1";
const STARTUP_TIMEOUT_MS = 60_000;
const STEP_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 30_000;

const suffix = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
const USER = {
  // Non-ASCII on purpose: the name travels form → API → PostgreSQL → JSON → page.
  name: `Zofia Łęcka ${suffix}`,
  email: `e2e-${suffix}@example.com`,
  password: "correct horse battery",
};

if (!existsSync(CHROMIUM)) {
  const reason =
    `Chromium not found at ${CHROMIUM}: install Debian's package ` +
    "(apt-get install -y chromium) or set SIGHT_E2E_CHROMIUM to a Chromium binary";
  if (IN_CI) {
    it("needs Chromium for the browser tests", () => assert.fail(`${reason} (CI=true, so this fails)`));
  } else {
    it("browser tests", { skip: reason }, () => {});
  }
} else {
  describe("the web app in Chromium against sight serve", () => {
    const root = mkdtempSync(join(tmpdir(), "sight-e2e-"));
    const serverLog = join(root, "server.log");
    let server; // { child, baseURL }
    let browser;
    let page;
    const pageErrors = [];
    let failedStep = null;

    before(async () => {
      assert.ok(existsSync(BUILD), `no web app build at ${BUILD}: run \`npm run build\` first`);
      assert.ok(existsSync(SIGHT), `no ${SIGHT}: install the Python package first (scripts/bootstrap.sh)`);
      server = await startServer(root, serverLog);
      browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
      const context = await browser.newContext({
        baseURL: server.baseURL,
        locale: "en-US", // the app follows navigator.languages until the user picks one
      });
      context.setDefaultTimeout(STEP_TIMEOUT_MS);
      page = await context.newPage();
      page.on("pageerror", (error) => pageErrors.push(error));
    });

    after(async () => {
      await browser?.close().catch(() => {});
      const stopped = server === undefined ? true : await stopServer(server.child);
      rmSync(join(root, "data"), { recursive: true, force: true });
      if (failedStep === null && stopped) {
        rmSync(root, { recursive: true, force: true });
      } else {
        console.error(`sight e2e: server log and screenshots kept in ${root}`);
      }
    });

    // Steps share one page and build on each other; after the first failure the rest
    // are skipped instead of failing for the same reason.
    function step(name, body) {
      it(name, async (t) => {
        if (failedStep !== null) {
          t.skip(`an earlier step failed: ${failedStep}`);
          return;
        }
        try {
          await body();
        } catch (error) {
          failedStep = name;
          const shot = join(root, `${name.replace(/[^a-z0-9]+/gi, "-")}.png`);
          const saved = await page?.screenshot({ path: shot, fullPage: true }).then(
            () => true,
            () => false,
          );
          if (error instanceof Error) {
            error.message +=
              `\n  at ${page?.url() ?? "(no page)"}` +
              (saved ? `\n  screenshot: ${shot}` : "") +
              `\n  server log: ${serverLog}`;
          }
          throw error;
        }
      });
    }

    /** Waits until `locator` is visible; the error says what was expected and shows the page's text. */
    async function see(locator, what) {
      try {
        await locator.waitFor({ state: "visible" });
      } catch (error) {
        const text = await page
          .locator("body")
          .innerText({ timeout: 1_000 })
          .catch(() => "(unreadable)");
        throw new assert.AssertionError({
          message: `expected to see ${what}\n  ${firstLine(error)}\n  page text: ${JSON.stringify(text.slice(0, 600))}`,
        });
      }
    }

    const heading = (name) => page.getByRole("heading", { name, exact: true });
    const button = (name) => page.getByRole("button", { name, exact: true });
    const pathname = () => new URL(page.url()).pathname;

    step("a signed-out visitor is sent to the sign-in page", async () => {
      const response = await page.goto("/");
      assert.equal(response?.status(), 200);
      await see(heading("Sign in"), 'the "Sign in" heading');
      assert.equal(pathname(), "/login");
    });

    step("registers a new account and lands on the home page with the user's name", async () => {
      await page.getByRole("link", { name: "Create one", exact: true }).click();
      await see(heading("Create an account"), "the registration form");
      await page.getByLabel("Full name", { exact: true }).fill(USER.name);
      await page.getByLabel("Email", { exact: true }).fill(USER.email);
      await page.getByLabel("Password", { exact: true }).fill(USER.password);
      await button("Create account").click();

      await see(heading(`Hello, ${USER.name}`), "the greeting with the new user's name");
      await see(page.getByText(`Signed in as ${USER.name}`, { exact: true }), "who is signed in, in the top bar");
      assert.equal(pathname(), "/");
    });

    step("the system status panel shows PostgreSQL ok", async () => {
      const panel = page.getByRole("region", { name: "System status", exact: true });
      await see(panel, "the system status panel");
      const postgres = panel.getByRole("listitem").filter({ hasText: "PostgreSQL" });
      await see(postgres.getByText("OK", { exact: true }), "PostgreSQL reported as OK");
      await see(panel.getByText("Ready", { exact: true }), 'the "Ready" badge');
    });

    step("switches the language to Polish and back to English", async () => {
      // A role, not getByLabel: the <label> wraps the <select>, so its text includes the options.
      await page.getByRole("combobox", { name: "Language", exact: true }).selectOption("pl");
      await see(heading(`Witaj, ${USER.name}`), "the greeting in Polish");
      await see(page.getByRole("region", { name: "Stan systemu", exact: true }), "the status panel's Polish title");
      await see(button("Wyloguj się"), "the Polish sign-out button");
      assert.equal(await page.locator("html").getAttribute("lang"), "pl");

      await page.getByRole("combobox", { name: "Język", exact: true }).selectOption("en");
      await see(heading(`Hello, ${USER.name}`), "the greeting in English again");
      await see(page.getByRole("combobox", { name: "Language", exact: true }), 'the language switch labelled "Language"');
      assert.equal(await page.locator("html").getAttribute("lang"), "en");
    });

    step("signs out", async () => {
      await button("Sign out").click();
      await see(heading("Sign in"), "the sign-in page after signing out");
      assert.equal(pathname(), "/login");
      assert.equal(await page.evaluate(() => window.localStorage.getItem("sight.refresh_token")), null);
    });

    step("a wrong password is refused with the server's message", async () => {
      await page.getByLabel("Email", { exact: true }).fill(USER.email);
      await page.getByLabel("Password", { exact: true }).fill("not the password");
      await button("Sign in").click();
      const alert = page.getByRole("alert");
      await see(alert.getByText("wrong email or password"), "the error for a wrong password");
      assert.equal(pathname(), "/login");
    });

    step("signs in with the right password", async () => {
      await page.getByLabel("Password", { exact: true }).fill(USER.password);
      await button("Sign in").click();
      await see(heading(`Hello, ${USER.name}`), "the home page after signing in");
      assert.equal(pathname(), "/");
    });

    step("stays signed in across a reload", async () => {
      await page.reload();
      await see(heading(`Hello, ${USER.name}`), "the home page after a reload");
      assert.equal(pathname(), "/");
    });

    step("an unknown address shows the app's not-found page", async () => {
      const response = await page.goto("/no/such/page?x=1");
      assert.equal(response?.status(), 200, "the server answers unknown client routes with the app");
      await see(heading("Page not found"), "the not-found page");
      await page.getByRole("link", { name: "Go to the home page", exact: true }).click();
      await see(heading(`Hello, ${USER.name}`), "the home page from the not-found page's link");
    });

    const PROJECT = `Oat milk ${suffix}`;

    step("opens Projects from the navigation; a target that does not sum to 100 % is refused per field", async () => {
      await page.getByRole("link", { name: "Projects", exact: true }).click();
      await see(heading("New project"), "the create-project form");
      assert.equal(pathname(), "/projects");
      await page.getByLabel("Name", { exact: true }).fill(PROJECT);
      await page.getByLabel("18-24", { exact: true }).fill("30");
      await button("Create project").click();
      const ageGroup = page.getByRole("group", { name: "Age group (%)", exact: true });
      await see(ageGroup.getByRole("alert").getByText("must sum to 1"), "the server's 422 under the age-group inputs");
      assert.equal(pathname(), "/projects");
    });

    step("creates a project with a 50/50 gender target (age left to the census)", async () => {
      await page.getByLabel("18-24", { exact: true }).fill("");
      await page.getByLabel("Research goal", { exact: true }).fill("Who buys oat milk and why");
      await page.getByRole("combobox", { name: "Persona language", exact: true }).selectOption("en");
      await page.getByRole("combobox", { name: "Country", exact: true }).selectOption("us");
      await page.getByLabel("Sample size", { exact: true }).fill("4");
      await page.getByLabel("Male", { exact: true }).fill("50");
      await page.getByLabel("Female", { exact: true }).fill("50");
      const created = page.waitForResponse(
        (r) => r.request().method() === "POST" && new URL(r.url()).pathname === "/api/v1/projects",
      );
      await button("Create project").click();
      const response = await created;
      assert.equal(response.status(), 201);
      // The server stores target_demographics as sent (Chromium does not expose the
      // request body of a fetch made from a Request object, so read it back).
      const project = await response.json();
      assert.deepEqual(project.target_demographics, { gender: { Male: 0.5, Female: 0.5 } });
      await see(heading(PROJECT), "the new project's page");
      assert.match(pathname(), /^\/projects\/[0-9a-f-]{36}$/);
    });

    step("generates 4 personas with live progress, then lists them", async () => {
      await page.getByLabel("Number of personas", { exact: true }).fill("4");
      const started = Date.now();
      await button("Generate personas").click();
      const progress = page.getByTestId("job-progress");
      await progress.filter({ hasText: "4 / 4" }).waitFor({ state: "visible", timeout: 60_000 });
      const panel = page.getByRole("region", { name: "Generate personas", exact: true });
      await panel.getByText("Completed", { exact: true }).waitFor({ state: "visible", timeout: 30_000 });
      console.log(`generated 4 personas in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      assert.equal(await panel.getByText("saved", { exact: true }).count(), 4, "four saved items in the live list");
      const rows = page.locator("table.personas tbody tr");
      await page.waitForFunction(() => document.querySelectorAll("table.personas tbody tr").length === 4);
      assert.equal(await rows.count(), 4);
      await see(rows.first().getByText("offline engine", { exact: true }), "the offline-engine badge");
      await see(page.getByTestId("fit-verdict"), "the fit verdict of the summary");
    });

    step("opens a persona, deletes it and undoes the deletion", async () => {
      const first = page.locator("table.personas tbody tr").first().getByRole("link");
      const name = await first.innerText();
      await first.click();
      await see(heading(name), "the persona's page");
      assert.match(pathname(), /^\/personas\/[0-9a-f-]{36}$/);
      await see(heading("Background"), "the background story");
      await see(heading("Personality (Big Five)"), "the Big Five scores");
      await button("Delete").click();
      await see(button("Undo"), "the undo button after deleting");
      await button("Undo").click();
      await see(button("Delete"), "the delete button again after undo");
      await page.getByRole("link", { name: "Back to the project" }).click();
      await see(heading(PROJECT), "the project page again");
      await page.waitForFunction(() => document.querySelectorAll("table.personas tbody tr").length === 4);
    });

    step("no uncaught errors in the page", () => {
      assert.deepEqual(
        pageErrors.map((error) => firstLine(error)),
        [],
      );
    });
  });
}

function firstLine(error) {
  return String(error instanceof Error ? error.message : error).split("\n")[0];
}

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

function tail(path, lines = 40) {
  try {
    return readFileSync(path, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

async function startServer(root, logPath) {
  const port = await freePort();
  const baseURL = `http://127.0.0.1:${port}`;
  const env = { ...process.env };
  // The server must start its own embedded PostgreSQL, and Redis/Neo4j stay off.
  for (const name of ["DATABASE_URL", "REDIS_URL", "NEO4J_URI"]) delete env[name];
  const log = openSync(logPath, "w");
  // cwd = the temp dir, so a developer's .env (read from the working directory) stays out.
  const child = spawn(SIGHT, ["serve", "--port", String(port), "--data-dir", join(root, "data")], {
    cwd: root,
    env,
    stdio: ["ignore", log, log],
  });
  closeSync(log);
  // Last resort if the test process ends without running `after`.
  const killOnExit = () => child.kill("SIGTERM");
  process.once("exit", killOnExit);
  child.once("exit", () => process.off("exit", killOnExit));

  const started = Date.now();
  while (Date.now() - started < STARTUP_TIMEOUT_MS) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `sight serve exited (${child.exitCode ?? child.signalCode}) before it was healthy:\n${tail(logPath)}`,
      );
    }
    try {
      const response = await fetch(`${baseURL}/health`, { signal: AbortSignal.timeout(2_000) });
      if (response.status === 200) {
        console.log(`sight serve healthy on ${baseURL} after ${((Date.now() - started) / 1000).toFixed(1)} s`);
        return { child, baseURL };
      }
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  await stopServer(child);
  throw new Error(`sight serve was not healthy within ${STARTUP_TIMEOUT_MS / 1000} s:\n${tail(logPath)}`);
}

/** SIGTERM (the server then stops its PostgreSQL), wait; SIGKILL if it hangs. True if it stopped cleanly. */
async function stopServer(child) {
  if (child.exitCode !== null || child.signalCode !== null) return true;
  const exited = new Promise((resolve) => child.once("exit", () => resolve(true)));
  child.kill("SIGTERM");
  let timer;
  const timedOut = new Promise((resolve) => {
    timer = setTimeout(() => resolve(false), STOP_TIMEOUT_MS);
  });
  const clean = await Promise.race([exited, timedOut]);
  clearTimeout(timer);
  if (!clean) {
    console.error(`sight serve did not stop within ${STOP_TIMEOUT_MS / 1000} s of SIGTERM; killing it`);
    child.kill("SIGKILL");
    await exited;
  }
  return clean;
}
