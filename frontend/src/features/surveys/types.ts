// Shapes of the survey results and crosstabs (src/sight/surveys/statistics.py,
// crosstabs.py, bias.py): the endpoints return them as JSON objects.

export interface ShareRow {
  option: string | number;
  count: number;
  share: number | null;
  ci_low: number | null;
  ci_high: number | null;
  baseline: number | null;
}

export interface Summary {
  n: number;
  mean?: number | null;
  mean_ci_low?: number | null;
  mean_ci_high?: number | null;
  median?: number | null;
  mode?: number | null;
  sd?: number | null;
  min?: number | null;
  max?: number | null;
}

export interface HistogramBin {
  low: number;
  high: number;
  count: number;
  share: number;
  baseline: number;
}

export interface RankingRow {
  option: string;
  mean_rank: number | null;
  ci_low: number | null;
  ci_high: number | null;
  rank_counts: number[];
  top: Record<string, { count: number; share: number | null; ci_low: number | null; ci_high: number | null; baseline: number }>;
}

export interface Theme {
  label: string;
  keywords: string[];
  count: number;
  share: number;
  quotes: string[];
  method: string;
}

export interface PositionEffect {
  n: number;
  testable: boolean;
  first_share?: number;
  expected_share?: number;
  p?: number;
  flagged?: boolean;
}

export interface QuestionResult {
  id: string;
  type: string;
  title: string;
  n: number;
  skipped: number;
  options?: ShareRow[] | RankingRow[];
  distribution?: ShareRow[] | HistogramBin[];
  summary?: Summary;
  unit?: string | null;
  baseline_mean?: number;
  baseline_mean_rank?: number;
  top_k?: number;
  mean_selected?: number;
  themes?: Theme[];
  guards?: {
    warnings: string[];
    flags?: { code: string; share?: number; option?: string; sd?: number; field?: string; v?: number }[];
    position_effect?: PositionEffect;
    rating_method?: { two_pass: number; direct: number; mean_similarity: number | null };
  };
}

export interface SurveyResults {
  respondents: number;
  questions: QuestionResult[];
  guards: {
    shuffle_options: boolean;
    rating_mode: string;
    heterogeneous_sample: boolean;
    warnings: { question_id: string; message: string }[];
  };
  status: string;
  stale: boolean;
}

export interface IndependenceTest {
  testable: boolean;
  reason?: string;
  test?: string;
  chi2?: number;
  df?: number;
  p?: number;
  p_used?: number;
  cramers_v?: number;
  min_expected?: number;
  small_expected?: boolean;
  fisher_p?: number;
  permutation_p?: number;
  significant?: boolean;
}

export interface Crosstab {
  question_id: string;
  by: string[];
  columns: string[];
  rows: {
    group: string;
    n: number;
    cells: { column: string; count: number; share: number | null; residual: number; marker: "higher" | "lower" | null }[];
  }[];
  test: IndependenceTest | null;
  tests?: (IndependenceTest & { option: string })[];
}

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
