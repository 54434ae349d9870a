// Names the rest of the app uses for API shapes. Most come from the generated
// schema; the few the server does not describe in /openapi.json yet are written
// here by hand, each with the server code it mirrors.
import type { components } from "./schema";

type Schemas = components["schemas"];

export type User = Schemas["UserRead"];
export type UserCreate = Schemas["UserCreate"];
export type LoginRequest = Schemas["LoginRequest"];
export type TokenPair = Schemas["TokenPair"];
export type Project = Schemas["ProjectRead"];
export type ProjectCreate = Schemas["ProjectCreate"];
export type ProjectPage = Schemas["Page_ProjectRead_"];
export type Persona = Schemas["PersonaRead"];
/** A page of the persona list: summaries (the profile is on the item route). */
export type PersonaPage = Schemas["Page_PersonaListItem_"];
export type PersonaSummary = Schemas["PersonaSummary"];
export type DistributionRow = Schemas["DistributionRow"];
export type GenerateAccepted = Schemas["GenerateAccepted"];
export type Job = Schemas["JobRead"];

/** Every event of a job's stream (`GET /jobs/{id}/events`), discriminated by `type`. */
export type JobStreamEvent =
  | Schemas["StatusEvent"]
  | Schemas["ProgressEvent"]
  | Schemas["LogEvent"]
  | Schemas["ItemEvent"]
  | Schemas["CompletedEvent"]
  | Schemas["FailedEvent"]
  | Schemas["CancelledEvent"]
  | Schemas["HeartbeatEvent"]
  | Schemas["StreamErrorEvent"];

/** One entry of a 422's `detail` (sight/kit/errors.py `_validation_error`). */
export interface ValidationIssue {
  loc: (string | number)[];
  msg: string;
  type: string;
  /** `loc` without its first part ("body.email" → "email"). */
  field?: string;
  /** Accepted values, when the server lists them (e.g. demographic categories). */
  allowed?: string[];
}

/** Every error body (sight/kit/errors.py `error_body`); not in /openapi.json yet. */
export interface ErrorResponse {
  error: string;
  detail: string | ValidationIssue[];
  request_id?: string;
}

export type DependencyState = "ok" | "not_configured" | "failed";

/** sight/health.py `DependencyCheck`. */
export interface DependencyStatus {
  status: DependencyState;
  latency_ms: number | null;
  detail: string | null;
}

/** `GET /startup` (200 ready, 503 not ready); the endpoint declares no response model. */
export interface StartupReport {
  ready: boolean;
  dependencies: Record<string, DependencyStatus>;
}
