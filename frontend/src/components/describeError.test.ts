import { NetworkError, toApiError } from "../api";
import { createTranslator } from "../i18n";
import { describeError } from "./describeError";

const t = createTranslator("en");

describe("describeError", () => {
  it("shows the server's detail as is", () => {
    const error = toApiError(409, { error: "EmailAlreadyRegistered", detail: "This email is already registered." });
    expect(describeError(error, t)).toEqual(["This email is already registered."]);
  });

  it("lists validation problems by field, without the location prefix", () => {
    const error = toApiError(422, {
      error: "ValidationError",
      detail: [
        { loc: ["body", "email"], field: "email", msg: "value is not a valid email address", type: "value_error" },
        { loc: ["body", "password"], msg: "String should have at least 8 characters", type: "string_too_short" },
        { loc: ["body"], msg: "Field required", type: "missing" },
      ],
    });
    expect(describeError(error, t)).toEqual([
      "email: value is not a valid email address",
      "password: String should have at least 8 characters",
      "Field required",
    ]);
  });

  it("gives the request id to quote when the server failed", () => {
    const error = toApiError(500, { error: "InternalError", detail: "Internal server error", request_id: "req-42" });
    expect(describeError(error, t)).toEqual(["Internal server error", "Reference: req-42"]);
  });

  it("falls back to the status when the body is not the error shape", () => {
    expect(describeError(toApiError(502, "<html>Bad gateway</html>"), t)).toEqual(["Unexpected error (HTTP 502)."]);
  });

  it("says the server cannot be reached on network failures, in the user's language", () => {
    expect(describeError(new NetworkError(new TypeError("fetch failed")), createTranslator("pl"))).toEqual([
      "Brak połączenia z serwerem. Sprawdź połączenie i spróbuj ponownie.",
    ]);
  });

  it("lists the field problems of the one error shape (detail a sentence, problems in errors)", () => {
    const error = toApiError(422, {
      error: "ValidationError",
      detail: "1 problem: education",
      errors: [
        { loc: ["query", "education"], field: "education", msg: "unknown education 'phd'", type: "filter_value", allowed: ["secondary", "tertiary"] },
      ],
    });
    expect(describeError(error, t)).toEqual(["education: unknown education 'phd'"]);
  });
});
