import { usesOffline } from "./OfflineBanner";

const route = (provider: string) => ({ provider });

describe("the offline banner", () => {
  it("shows while any of the user's flows is answered by the offline engine", () => {
    expect(usesOffline({ effective_default_provider: "offline", routes: [route("offline"), route("offline")] })).toBe(true);
  });

  it("stays hidden for a user with their own model on a server without one", () => {
    expect(usesOffline({ effective_default_provider: "offline", routes: [route("openai"), route("openai")] })).toBe(false);
  });

  it("follows the deployment's default when no routes are known", () => {
    expect(usesOffline({ effective_default_provider: "gemini" })).toBe(false);
    expect(usesOffline({ effective_default_provider: "offline" })).toBe(true);
    expect(usesOffline(undefined)).toBe(false);
  });
});
