import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { SIGNED_IN_KEY } from "../api";
import { fakeProject, FakeServer } from "../test/fakeServer";
import { renderApp } from "../test/render";

function serverWithAda() {
  const server = new FakeServer();
  server.addUser("ada@example.com", "correct horse", "Ada Lovelace");
  return server;
}

async function fillLogin(email: string, password: string) {
  const user = userEvent.setup();
  await user.type(await screen.findByLabelText("Email"), email);
  await user.type(screen.getByLabelText("Password"), password);
  await user.click(screen.getByRole("button", { name: "Sign in" }));
  return user;
}

describe("signing in", () => {
  it("sends a signed-out visitor from the home page to /login", async () => {
    const { router } = renderApp("/");
    expect(await screen.findByRole("heading", { name: "Sign in" })).toBeInTheDocument();
    expect(router.state.location.pathname).toBe("/login");
  });

  it("shows the server's reason when the password is wrong", async () => {
    renderApp("/login", { server: serverWithAda() });
    await fillLogin("ada@example.com", "wrong password");
    expect(await screen.findByRole("alert")).toHaveTextContent("wrong email or password");
  });

  it("lands on the home page with the user's name, an empty project list and the system status", async () => {
    const { router } = renderApp("/login", { server: serverWithAda() });
    await fillLogin("ada@example.com", "correct horse");

    expect(await screen.findByRole("heading", { name: "Hello, Ada Lovelace" })).toBeInTheDocument();
    expect(router.state.location.pathname).toBe("/");
    expect(await screen.findByText("No projects yet.")).toBeInTheDocument();
    expect(await screen.findByText("Ready")).toBeInTheDocument();
  });

  it("lists projects when the API has them", async () => {
    const server = serverWithAda();
    server.projects = [
      fakeProject({ id: "p1", name: "Oat milk in Kraków" }),
      fakeProject({ id: "p2", name: "E-bikes for commuters", research_goal: "Urban 25–40" }),
    ];
    renderApp("/login", { server });
    await fillLogin("ada@example.com", "correct horse");

    expect(await screen.findByText("Oat milk in Kraków")).toBeInTheDocument();
    expect(screen.getByText("2 projects")).toBeInTheDocument();
  });

  it("keeps the user signed in across a reload and signs out on request", async () => {
    const server = serverWithAda();
    // What a reload finds: the browser's refresh cookie and the "signed in" flag.
    server.cookie = server.issueTokens("ada@example.com").refresh_token;
    window.localStorage.setItem(SIGNED_IN_KEY, "1");
    const { router } = renderApp("/", { server });

    expect(await screen.findByRole("heading", { name: "Hello, Ada Lovelace" })).toBeInTheDocument();
    await userEvent.setup().click(screen.getByRole("button", { name: "Sign out" }));

    expect(await screen.findByRole("heading", { name: "Sign in" })).toBeInTheDocument();
    expect(router.state.location.pathname).toBe("/login");
    expect(server.usableRefreshTokens()).toBe(0);
    expect(window.localStorage.getItem(SIGNED_IN_KEY)).toBeNull();
    expect(server.cookie).toBeNull();
  });

  it("tells the user when a stored session has expired", async () => {
    window.localStorage.setItem(SIGNED_IN_KEY, "1");
    renderApp("/", { server: serverWithAda() });

    expect(await screen.findByText("Your session has expired. Please sign in again.")).toBeInTheDocument();
  });

  it("ignores a ?next= that points off the site", async () => {
    const { router } = renderApp("/login?next=//evil.example/", { server: serverWithAda() });
    await fillLogin("ada@example.com", "correct horse");
    await screen.findByRole("heading", { name: "Hello, Ada Lovelace" });
    expect(router.state.location.pathname).toBe("/");
  });
});

describe("registering", () => {
  async function fillRegister(fullName: string, email: string, password: string) {
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText("Full name"), fullName);
    await user.type(screen.getByLabelText("Email"), email);
    await user.type(screen.getByLabelText("Password"), password);
    await user.click(screen.getByRole("button", { name: "Create account" }));
  }

  it("creates the account, signs in and opens the home page", async () => {
    const server = new FakeServer();
    renderApp("/register", { server });
    await fillRegister("Grace Hopper", "grace@example.com", "long enough");

    expect(await screen.findByRole("heading", { name: "Hello, Grace Hopper" })).toBeInTheDocument();
    expect(server.users.has("grace@example.com")).toBe(true);
  });

  it("shows each validation problem the server reports", async () => {
    renderApp("/register");
    // The browser accepts this address; the server does not, and says why.
    await fillRegister("Grace Hopper", "grace@localhost", "long enough");

    expect(await screen.findByRole("alert")).toHaveTextContent("email: value is not a valid email address");
  });

  it("shows the server's reason when the email is taken", async () => {
    renderApp("/register", { server: serverWithAda() });
    await fillRegister("Ada Again", "ada@example.com", "long enough");
    expect(await screen.findByRole("alert")).toHaveTextContent("an account with this email already exists");
  });
});

describe("the language switch", () => {
  it("switches to Polish, remembers the choice and uses it on the next visit", async () => {
    const first = renderApp("/login");
    await userEvent.setup().selectOptions(await screen.findByLabelText("Language"), "pl");

    expect(await screen.findByRole("heading", { name: "Zaloguj się" })).toBeInTheDocument();
    expect(document.documentElement.lang).toBe("pl");
    first.unmount();

    renderApp("/login");
    expect(await screen.findByRole("heading", { name: "Zaloguj się" })).toBeInTheDocument();
    await waitFor(() => expect(screen.getByLabelText("Język")).toHaveValue("pl"));
  });
});
