import { ApiError, fieldName, NetworkError } from "../api";
import type { Translate } from "../i18n";

/** What to tell a person about an error: the server's own words when it gave some. */
export function describeError(error: unknown, t: Translate): string[] {
  if (error instanceof NetworkError) return [t("errors.network")];
  if (!(error instanceof ApiError)) return [t("errors.unexpected", { status: 0 })];

  let lines: string[];
  if (typeof error.detail === "string") {
    lines = [error.detail === "" ? t("errors.unexpected", { status: error.status }) : error.detail];
  } else if (error.detail.length === 0) {
    lines = [t("errors.unexpected", { status: error.status })];
  } else {
    lines = error.detail.map((issue) => {
      const field = fieldName(issue);
      return field === "" ? issue.msg : t("errors.field", { field, message: issue.msg });
    });
  }
  // A server fault is for the operators to look into: give the user the id to quote.
  if (error.status >= 500 && error.requestId !== null) {
    lines.push(t("errors.reference", { id: error.requestId }));
  }
  return lines;
}
