// Browser test of the built web app against a real `sight serve` (DESIGN §6).
//
// Run with `npm run e2e` after `npm run build`: it starts `../.venv/bin/sight serve`
// on a free port with a fresh data directory (so a fresh embedded PostgreSQL), drives
// Debian's Chromium through playwright-core like a user, and stops both at the end.
// Chromium missing: skipped, or failed when CI=true. Screenshots of every screen, in
// both languages at 1280 and 390 px, are kept in e2e/artifacts/ (ignored by git), with
// the failing step's; on a failure the server log is kept in a temp directory named in
// the error.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
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
// Screenshots of every screen (and of a failing step) are kept here as artifacts.
const ARTIFACTS = fileURLToPath(new URL("./artifacts/", import.meta.url));
const IN_CI = process.env.CI === "true" || process.env.CI === "1";
const STARTUP_TIMEOUT_MS = 120_000;
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
    const inFlight = new Set();
    const LIVE = /\/api\/v1\/notifications\/events/;

    /** Like "networkidle", but the open notification stream does not count. */
    async function settled() {
      let quietSince = Date.now();
      const deadline = Date.now() + STEP_TIMEOUT_MS;
      while (Date.now() - quietSince < 500) {
        if (inFlight.size > 0) quietSince = Date.now();
        if (Date.now() > deadline) throw new Error(`requests still in flight: ${[...inFlight].map((r) => r.url()).join(", ")}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }

    /** A full-page screenshot kept in e2e/artifacts/. */
    async function shot(name) {
      await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
    }

    before(async () => {
      rmSync(ARTIFACTS, { recursive: true, force: true });
      mkdirSync(ARTIFACTS, { recursive: true });
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
      // Requests in flight, but for the notification stream, which stays open by design.
      page.on("request", (r) => !LIVE.test(r.url()) && inFlight.add(r));
      page.on("requestfinished", (r) => inFlight.delete(r));
      page.on("requestfailed", (r) => inFlight.delete(r));
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
          const failure = join(ARTIFACTS, `failed-${name.replace(/[^a-z0-9]+/gi, "-")}.png`);
          const saved = await page?.screenshot({ path: failure, fullPage: true }).then(
            () => true,
            () => false,
          );
          if (error instanceof Error) {
            error.message +=
              `\n  at ${page?.url() ?? "(no page)"}` +
              (saved ? `\n  screenshot: ${failure}` : "") +
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
      assert.equal(await page.evaluate(() => window.localStorage.getItem("sight.signed_in")), null);
      // The refresh token lived in an HttpOnly cookie; signing out removes it.
      const cookies = await page.context().cookies();
      assert.equal(cookies.find((cookie) => cookie.name === "sight_refresh"), undefined);
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

    step("shows that the offline engine answers, with a link to the settings", async () => {
      const banner = page.getByTestId("offline-banner");
      await see(banner, "the offline-engine banner");
      assert.match(await banner.innerText(), /offline engine/);
      await banner.getByRole("link").click();
      await see(heading("Account and settings"), "the settings page from the banner's link");
      assert.equal(
        await page.getByTestId("llm-current").innerText(),
        "Answering by default: Offline engine (no model, no cost)",
      );
      await see(page.getByRole("combobox", { name: "Provider", exact: true }), "the provider choice");
    });

    const PROJECT = `Oat milk ${suffix}`;
    const target = (dimension) => page.getByTestId(`target-${dimension}`);
    const ownShares = (dimension) => target(dimension).getByRole("radio", { name: "Own shares", exact: true });

    step("opens Projects from the navigation; a project without a name is refused under the field", async () => {
      await page.getByRole("link", { name: "Projects", exact: true }).click();
      await see(heading("New project"), "the create-project form");
      assert.equal(pathname(), "/projects");
      await button("Create project").click();
      await see(page.locator("#error-name"), "the server's 422 under the name field");
      assert.equal(pathname(), "/projects");
      await shot("projects-name-refused");
    });

    step("edits every dimension of the target: own shares, an age range, sliders that keep 100 %, live quotas", async () => {
      await page.getByLabel("Name", { exact: true }).fill(PROJECT);
      await page.getByLabel("Research goal", { exact: true }).fill("Who buys oat milk and why");
      await page.getByLabel("Description", { exact: true }).fill("A new oat drink, sold in Polish supermarkets.");
      await page.getByRole("combobox", { name: "Persona language", exact: true }).selectOption("en");
      await page.getByLabel("Sample size", { exact: true }).fill("10");
      for (const dimension of ["age_group", "gender", "location", "urban_rural", "education", "income"]) {
        await ownShares(dimension).check();
        await see(page.getByTestId(`sum-${dimension}`).getByText("Sum: 100 %"), `100 % for ${dimension}`);
      }
      // An age range keeps the census brackets it overlaps, still at 100 %.
      await target("age_group").getByLabel("From age", { exact: true }).fill("25");
      await target("age_group").getByLabel("To age", { exact: true }).fill("54");
      await see(target("age_group").getByText("Ages are sampled in census brackets: 25–34, 35–44, and 45–54."), "the brackets used");
      await button("Keep only these ages").click();
      assert.equal(await page.getByTestId("quota-age_group-age_65_plus").innerText(), "0 personas");
      assert.equal(await page.getByTestId("quota-age_group-age_18_24").innerText(), "0 personas");
      await see(page.getByTestId("sum-age_group").getByText("Sum: 100 %"), "100 % after the age range");
      // Typing one share rescales the other; the quotas follow the sample size.
      await target("gender").getByLabel("Male (%)", { exact: true }).fill("40");
      await target("gender").getByLabel("Male (%)", { exact: true }).press("Tab");
      assert.equal(await target("gender").getByLabel("Female (%)", { exact: true }).inputValue(), "60");
      assert.equal(await page.getByTestId("quota-gender-male").innerText(), "4 personas");
      await page.getByLabel("Sample size", { exact: true }).fill("20");
      assert.equal(await page.getByTestId("quota-gender-male").innerText(), "8 personas");
      // A slider moved to 70 % leaves 30 % for the other category.
      await target("urban_rural").getByRole("slider", { name: "Share of Urban", exact: true }).fill("700");
      assert.equal(await target("urban_rural").getByLabel("Rural (%)", { exact: true }).inputValue(), "30");
      await see(page.getByTestId("sum-urban_rural").getByText("Sum: 100 %"), "100 % after the slider");
      // Income is named for what the Polish data measure.
      await see(
        target("income").getByText("Disposable income per person in the household (monthly)", { exact: true }),
        "the income dimension's name",
      );
      await shot("target-form-filled");
      await page.getByLabel("Sample size", { exact: true }).fill("4");
      const created = page.waitForResponse(
        (r) => r.request().method() === "POST" && new URL(r.url()).pathname === "/api/v1/projects",
      );
      await button("Create project").click();
      const response = await created;
      assert.equal(response.status(), 201);
      const project = await response.json();
      const given = project.target_demographics;
      assert.deepEqual(Object.keys(given).sort(), ["age_group", "education", "gender", "income", "location", "urban_rural"]);
      for (const [dimension, shares] of Object.entries(given)) {
        const sum = Object.values(shares).reduce((a, b) => a + b, 0);
        assert.ok(Math.abs(sum - 1) < 1e-9, `${dimension} sums to ${sum}`);
      }
      assert.deepEqual(given.gender, { male: 0.4, female: 0.6 });
      assert.deepEqual(Object.keys(given.age_group).sort(), ["age_25_34", "age_35_44", "age_45_54"]);
      assert.deepEqual(given.urban_rural, { urban: 0.7, rural: 0.3 });
      await see(heading(PROJECT), "the new project's page");
      await see(page.getByText("A new oat drink, sold in Polish supermarkets."), "the description on the project page");
      assert.match(pathname(), /^\/projects\/[0-9a-f-]{36}$/);
    });

    step("generates 4 personas with live progress, then lists them", async () => {
      await page.getByLabel("Number of personas", { exact: true }).fill("4");
      const started = Date.now();
      await button("Generate personas").click();
      // Progress comes in stages (segment briefs, then personas): "4 / 4" alone could be
      // the briefs, so wait for the job to complete, then read the final count.
      const panel = page.getByRole("region", { name: "Generate personas", exact: true });
      await panel.getByText("Completed", { exact: true }).waitFor({ state: "visible", timeout: 120_000 });
      assert.equal(await page.getByTestId("job-progress").innerText(), "4 / 4");
      await see(panel.getByText("writing personas", { exact: true }), "the stage of the final progress");
      console.log(`generated 4 personas in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      const rows = page.locator("table.personas tbody tr");
      await page.waitForFunction(() => document.querySelectorAll("table.personas tbody tr").length === 4);
      assert.equal(await rows.count(), 4);
      await see(rows.first().getByText("offline engine", { exact: true }), "the offline-engine badge");
      await see(page.getByTestId("fit-verdict"), "the fit verdict of the summary");
      await see(page.getByRole("note", { name: "Legend" }).getByText("Generated sample"), "the legend of the bars");
      assert.equal(await page.getByTestId("fit-summary").count(), 1);
    });

    step("filters personas by each dimension; an unknown value explains what is allowed", async () => {
      const filters = page.getByRole("group", { name: "Filter personas", exact: true });
      for (const name of ["Age", "Gender", "Voivodeship", "Urban / rural", "Education", "Disposable income per person"]) {
        await see(filters.getByRole("combobox", { name, exact: true }), `the ${name} filter`);
      }
      await filters.getByRole("combobox", { name: "Gender", exact: true }).selectOption("female");
      await page.waitForFunction(() => new URL(location.href).searchParams.get("gender") === "female");
      await page.waitForFunction(() =>
        [...document.querySelectorAll("table.personas tbody tr td:nth-child(3)")].every((cell) => cell.textContent === "Female"),
      );
      const female = await page.locator("table.personas tbody tr").count();
      assert.ok(female >= 1 && female <= 4, `${female} women among 4 personas`);
      await filters.getByRole("button", { name: "Clear filters", exact: true }).click();
      await page.waitForFunction(() => document.querySelectorAll("table.personas tbody tr").length === 4);

      await page.goto(`${pathname()}?education=phd`);
      const error = page.getByTestId("filter-error");
      await see(error, "the explanation of the unknown filter value");
      await see(error.getByText(/Allowed values: .*Secondary/), "the allowed values, labelled");
      assert.doesNotMatch(await error.innerText(), /basic_vocational|post_secondary/, "no raw category keys");
      await shot("personas-filter-422");
      await error.getByRole("button", { name: "Clear filters", exact: true }).click();
      await page.waitForFunction(() => document.querySelectorAll("table.personas tbody tr").length === 4);
    });

    step("opens a persona, deletes it and undoes the deletion", async () => {
      const first = page.locator("table.personas tbody tr").first().getByRole("link");
      const name = await first.innerText();
      await first.click();
      await see(heading(name), "the persona's page");
      assert.match(pathname(), /^\/personas\/[0-9a-f-]{36}$/);
      await see(heading("Background"), "the background story");
      await see(heading("Personality (Big Five)"), "the Big Five scores");
      await see(page.getByText("Openness", { exact: true }), "a translated trait name");
      assert.doesNotMatch(await page.locator(".facts").innerText(), RAW_KEY, "no raw keys in the persona's facts");
      await button("Delete").click();
      await see(button("Undo"), "the undo button after deleting");
      await button("Undo").click();
      await see(button("Delete"), "the delete button again after undo");
      await page.getByRole("link", { name: "Back to the project" }).click();
      await see(heading(PROJECT), "the project page again");
      await page.waitForFunction(() => document.querySelectorAll("table.personas tbody tr").length === 4);
      projectPath = pathname();
    });

    let projectPath = null;

    step("the census preset copies the census into every slider; the edit is saved", async () => {
      await button("Edit project and target").click();
      const form = page.getByRole("region", { name: "Project settings", exact: true });
      await form.getByRole("button", { name: "Use census shares for every dimension", exact: true }).click();
      for (const dimension of ["age_group", "gender", "location", "urban_rural", "education", "income"]) {
        assert.ok(await ownShares(dimension).isChecked(), `${dimension} has own shares`);
        await see(form.getByTestId(`sum-${dimension}`).getByText("Sum: 100 %"), `100 % for ${dimension}`);
      }
      const older = Number((await target("age_group").getByLabel("65+ (%)", { exact: true }).inputValue()).replace(",", "."));
      assert.ok(older > 10 && older < 35, `the census share of 65+ (${older} %)`);
      await form.locator("textarea[name=description]").fill("Oat drink, 1 l carton, 7.99 PLN.");
      const saved = page.waitForResponse((r) => r.request().method() === "PATCH");
      await form.getByRole("button", { name: "Save changes", exact: true }).click();
      assert.equal((await saved).status(), 200);
      await see(form.getByText("Saved.", { exact: true }), "the saved notice");
      await see(page.getByText("Oat drink, 1 l carton, 7.99 PLN.", { exact: true }).first(), "the new description");
      await form.getByRole("button", { name: "Close", exact: true }).click();
    });

    const PDF = [
      "/usr/share/doc/shared-mime-info/shared-mime-info-spec.pdf",
      "/usr/share/doc/libtasn1-doc/libtasn1.pdf",
    ].find((path) => existsSync(path));
    const TEXT = "/usr/share/common-licenses/GPL-3";

    step("uploads a real text file and a real PDF; each shows its progress and becomes ready", async () => {
      await page.getByRole("link", { name: "Open the knowledge base", exact: true }).click();
      await see(heading("Upload documents"), "the upload panel");
      const files = [TEXT, ...(PDF === undefined ? [] : [PDF])];
      const started = Date.now();
      await page.locator('input[type="file"]').setInputFiles(files);
      const items = page.getByTestId("upload-item");
      await page.waitForFunction((n) => document.querySelectorAll("[data-testid=upload-item]").length === n, files.length);
      for (let i = 0; i < files.length; i += 1) {
        await items.nth(i).getByText("Ready", { exact: true }).waitFor({ state: "visible", timeout: 180_000 });
        assert.equal(await items.nth(i).getByRole("progressbar").getAttribute("aria-valuenow"), "100");
      }
      console.log(`${files.length} documents ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      const rows = page.getByTestId("document-row");
      await page.waitForFunction((n) => document.querySelectorAll("[data-testid=document-row][data-status=ready]").length === n, files.length);
      const gpl = rows.filter({ hasText: "GPL-3" });
      assert.ok(Number(await gpl.getByTestId("document-chunks").innerText()) > 5, "the text file is split into passages");
      await shot("knowledge-documents");
    });

    step("searches the documents: highlighted snippets, scores, the passage opens", async () => {
      await button("Search").click();
      await page.getByRole("searchbox", { name: "Search for", exact: true }).fill("charge a price for each copy");
      await page.getByRole("search").getByRole("button", { name: "Search", exact: true }).click();
      const results = page.getByTestId("search-result");
      await see(results.first(), "a search result");
      await see(results.first().locator("mark").first(), "a highlighted match");
      assert.match(await results.first().getByTestId("result-score").innerText(), /^score \d\.\d{3}$/);
      assert.ok(
        await results.filter({ hasText: "GPL-3" }).count() >= 1,
        "the licence is among the results for a question about copies",
      );
      await results.first().getByRole("button", { name: "Open passage", exact: true }).click();
      const dialog = page.getByRole("dialog");
      await see(dialog.getByText("Cited passage", { exact: true }), "the passage around the result");
      await shot("knowledge-search-passage");
      await page.keyboard.press("Escape");
      await dialog.waitFor({ state: "hidden" });
    });

    step("asks the documents; a citation opens the cited passage", async () => {
      await button("Ask the documents").click();
      await page.getByLabel("Your question", { exact: true }).fill("May I charge a fee for copies of the program?");
      await button("Ask").click();
      const answer = page.getByTestId("answer");
      await see(answer, "an answer");
      assert.equal(await answer.getAttribute("data-found"), "true");
      assert.ok((await page.getByTestId("citation").count()) >= 1, "at least one source");
      await answer.getByRole("button", { name: /^Open source \d+$/ }).first().click();
      const dialog = page.getByRole("dialog");
      await see(dialog.getByTestId("passage").getByText(/copy|copies/i).first(), "the cited passage's text");
      await shot("knowledge-ask-citation");
      await dialog.getByRole("button", { name: "Close", exact: true }).click();
      await dialog.waitFor({ state: "hidden" });
    });

    step("shows the concept map; selecting a concept lists its links", async () => {
      await button("Concept map").click();
      await see(page.getByTestId("graph"), "the concept map");
      assert.ok((await page.locator("[data-testid=graph] .graph-node").count()) > 3, "several concepts on the map");
      await page.locator(".entity-list button").first().click();
      await see(page.getByTestId("graph-selection"), "the selected concept's details");
      await shot("knowledge-graph");
    });

    step("deletes a document after confirming", async () => {
      if (PDF === undefined) return;
      await button("Documents").click();
      const rows = page.getByTestId("document-row");
      await page.waitForFunction(() => document.querySelectorAll("[data-testid=document-row]").length === 2);
      const pdfRow = rows.filter({ hasNotText: "GPL-3" });
      await pdfRow.getByRole("button", { name: /^Delete: / }).click();
      const confirm = pdfRow.getByRole("alertdialog");
      await see(confirm, "the delete confirmation");
      await confirm.getByRole("button", { name: "Delete document", exact: true }).click();
      await page.waitForFunction(() => document.querySelectorAll("[data-testid=document-row]").length === 1);
    });

    step("measures fidelity from the project page: a small GSS run, then its result page under the offline banner", async () => {
      await page.goto(projectPath);
      await see(heading("Measure fidelity"), "the fidelity panel on the project page");
      await page.getByLabel("Respondents per group", { exact: true }).fill("2");
      await page.getByLabel("Questions (optional, comma-separated)", { exact: true }).fill("HAPPY, TRUST, POLVIEWS");
      await page.getByLabel("Groups (optional, comma-separated)", { exact: true }).fill("overall, sex:male, sex:female");
      await button("Start the run").click();
      await page.waitForURL(/\/fidelity\/[0-9a-f-]+$/);
      await see(heading("By group"), "the scores per group once the run completed");
      await see(page.getByText(/^No model answered: the offline engine/), "the banner saying no model answered");
      await see(page.getByRole("rowheader", { name: "Sex: women", exact: true }), "a group's row");
      await see(heading("Repeating this run"), "the repeatability block");
      await shot("fidelity");
    });

    step("creates a team on the Teams page and shares the project with it", async () => {
      await page.getByRole("navigation").getByRole("link", { name: "Teams", exact: true }).click();
      await see(heading("Teams"), "the Teams page from the navigation");
      await page.getByLabel("Name", { exact: true }).fill(`Research ${suffix}`);
      await button("Create team").click();
      const card = page.getByRole("region", { name: `Research ${suffix}`, exact: true });
      await see(card, "the new team");
      assert.match(await card.innerText(), /Owner/);
      await shot("teams");
      await page.goto(projectPath);
      await button("Edit project and target").click();
      const form = page.getByRole("region", { name: "Project settings", exact: true });
      await form.getByRole("combobox", { name: "Shared with", exact: true }).selectOption({ label: `Research ${suffix}` });
      const saved = page.waitForResponse((r) => r.request().method() === "PATCH");
      await form.getByRole("button", { name: "Save changes", exact: true }).click();
      assert.equal((await saved).status(), 200);
      await see(form.getByText("Saved.", { exact: true }), "the project shared with the team");
      await page.goto("/account");
      await see(heading("Usage and cost this month"), "the account page's usage");
      await shot("account");
    });

    step("the home page is the dashboard; the bell lists the finished jobs, live", async () => {
      await page.goto("/");
      await see(page.getByTestId("dashboard"), "the dashboard on the home page");
      assert.match(await page.getByTestId("kpi-persona_coverage").innerText(), /of \d+ projects/);
      await see(page.getByTestId("notification-count"), "the unread count on the bell");
      await page.getByTestId("notification-bell").click();
      const list = page.getByRole("dialog", { name: "Notifications", exact: true });
      await see(list.getByText(/^Persona generation finished in /).first(), "the persona job's notification");
      await see(list.getByText("Live", { exact: true }), "the stream connected");
      await shot("dashboard-bell");
      await page.keyboard.press("Escape");
    });

    // Each screen in each language at desktop and phone width: no horizontal overflow,
    // no message keys or census keys, no words of the other language.
    const SCREENS = [
      ["home", () => "/"],
      ["projects", () => "/projects"],
      ["project", () => projectPath],
      ["knowledge", () => `${projectPath}/knowledge`],
      ["knowledge-graph", () => `${projectPath}/knowledge?tab=graph`],
      ["teams", () => "/teams"],
      ["account", () => "/account"],
    ];
    const RAW_KEY = /\b(?:age_\d+_(?:\d+|plus)|pln_\w+|usd_\w+|basic_vocational|primary_or_less|(?:knowledge|dem|target|summary|personas|persona|project|projects|offline|trait)\.[a-z][\w.]*)\b/;
    const FOREIGN = {
      en: /Mężczyzna|Kobieta|\d lata\b|Województwo|Wykształcenie/,
      pl: /match the target|\bMale\b|\bFemale\b|Openness|Voivodeship|Generated sample/,
    };
    for (const locale of ["en", "pl"]) {
      for (const width of [1280, 390]) {
        step(`every screen in ${locale} at ${width} px: one language, no raw keys, no overflow`, async () => {
          await page.setViewportSize({ width, height: 900 });
          await page.evaluate((value) => window.localStorage.setItem("sight.locale", value), locale);
          for (const [name, path] of SCREENS) {
            await page.goto(path());
            await page.locator("h1").first().waitFor({ state: "visible" });
            await page.waitForLoadState("load");
            await settled();
            if (name === "projects") {
              await page.getByTestId("target-income").getByRole("radio").nth(1).check();
            }
            if (name === "project") await page.waitForSelector("table.personas tbody tr");
            const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
            await shot(`${locale}-${width}-${name}`);
            assert.ok(overflow <= 1, `${name} overflows by ${overflow} px at ${width} px in ${locale}`);
            // Persona texts are in the project's language (English here); labels are checked.
            const labels = await page
              .locator("header.topbar, .offline-banner, h1, h2, h3, label, legend, th, caption, .legend, .badge, .tabs, .filters, .target-editor")
              .allInnerTexts();
            const text = labels.join("\n");
            assert.doesNotMatch(text, RAW_KEY, `raw keys on ${name} (${locale})`);
            assert.doesNotMatch(text, FOREIGN[locale], `the other language on ${name} (${locale})`);
          }
        });
      }
    }

    step("back to English at desktop width", async () => {
      await page.setViewportSize({ width: 1280, height: 900 });
      await page.evaluate(() => window.localStorage.setItem("sight.locale", "en"));
      await page.goto(projectPath);
      await see(heading(PROJECT), "the project page in English");
    });

    step("exports the project report (a job with progress), downloaded as a file", async () => {
      await page.locator(".ex-dropdown summary").click();
      const download = page.waitForEvent("download", { timeout: 60_000 });
      await page.getByRole("menuitem", { name: "Markdown", exact: true }).click();
      assert.match((await download).suggestedFilename(), /\.md$/);
      await see(page.getByText(/\.md downloaded$/), "the export's confirmation");
      await shot("project-export");
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
