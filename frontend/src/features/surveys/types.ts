// Shapes of the survey results and crosstabs: the generated OpenAPI types of
// src/sight/surveys/result_schemas.py (the response models of /results and
// /crosstabs).
import type { components } from "../../api/schema";

type Schemas = components["schemas"];

export type ShareRow = Schemas["ShareRow"];
export type Summary = Schemas["Summary"];
export type HistogramBin = Schemas["HistogramBin"];
export type RankingRow = Schemas["RankingRow"];
export type Theme = Schemas["Theme"];
export type PositionEffect = Schemas["PositionEffect"];
export type QuestionResult = Schemas["QuestionResult"];
export type SurveyResults = Schemas["SurveyResults"];
export type IndependenceTest = Schemas["IndependenceTest"];
export type Crosstab = Schemas["Crosstab"];

export interface Survey {
  id: string;
  project_id: string;
  title: string;
  description: string;
  questions: Record<string, unknown>[];
  respondents: Record<string, unknown>;
  settings: Record<string, unknown>;
  status: string;
  job_id: string | null;
  answered: number;
  target: number;
  prompt_version: string;
  created_at: string;
  updated_at: string;
}

export interface SurveyPage {
  items: Survey[];
  total: number;
  limit: number;
  offset: number;
}

export interface SurveyCheck {
  valid: boolean;
  problems: { loc: (string | number)[]; field: string; msg: string; type: string }[];
  respondents: number;
  estimate: Record<string, unknown> | null;
}

export interface RunAccepted {
  job_id: string;
  survey_id: string;
  status_url: string;
  events_url: string;
  respondents: number;
  already_answered: number;
  estimate: Record<string, unknown>;
}
