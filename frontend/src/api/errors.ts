import type { ErrorResponse, ValidationIssue } from "./types";

/** The server answered with an error status. `detail` is what it told the user. */
export class ApiError extends Error {
  readonly status: number;
  readonly kind: string;
  readonly detail: ErrorResponse["detail"];
  /** The server's id for this request, for a support ticket or the logs. */
  readonly requestId: string | null;

  constructor(status: number, kind: string, detail: ErrorResponse["detail"], requestId: string | null = null) {
    super(typeof detail === "string" && detail !== "" ? detail : `${kind} (HTTP ${status})`);
    this.name = "ApiError";
    this.status = status;
    this.kind = kind;
    this.detail = detail;
    this.requestId = requestId;
  }
}

/** The request never got an HTTP answer (offline, DNS, server down, CORS). */
export class NetworkError extends Error {
  constructor(cause: unknown) {
    super("Network request failed", { cause });
    this.name = "NetworkError";
  }
}

function isValidationIssue(value: unknown): value is ValidationIssue {
  if (typeof value !== "object" || value === null) return false;
  const issue = value as Record<string, unknown>;
  return Array.isArray(issue["loc"]) && typeof issue["msg"] === "string";
}

/** Builds an ApiError from whatever body came back, tolerating non-JSON proxies' pages. */
export function toApiError(status: number, body: unknown): ApiError {
  if (typeof body === "object" && body !== null) {
    const record = body as Record<string, unknown>;
    const kind = typeof record["error"] === "string" ? record["error"] : "HTTPError";
    const requestId = typeof record["request_id"] === "string" ? record["request_id"] : null;
    const detail = record["detail"];
    // The one error shape (sight/kit/errors.py error_body): field problems in
    // `errors`, a sentence in `detail`. The form code reads the problems.
    const errors = record["errors"];
    if (Array.isArray(errors) && errors.length > 0 && errors.every(isValidationIssue)) {
      return new ApiError(status, kind, errors, requestId);
    }
    if (typeof detail === "string") return new ApiError(status, kind, detail, requestId);
    if (Array.isArray(detail) && detail.every(isValidationIssue)) {
      return new ApiError(status, kind, detail, requestId);
    }
    return new ApiError(status, kind, "", requestId);
  }
  return new ApiError(status, "HTTPError", "");
}

/** "body.email" → "email": the location prefix means nothing to a person. */
export function fieldName(issue: ValidationIssue): string {
  if (typeof issue.field === "string") return issue.field;
  const parts = issue.loc.filter((part, index) => !(index === 0 && ["body", "query", "path", "header"].includes(String(part))));
  return parts.join(".");
}
