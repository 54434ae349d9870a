import { ApiError, fieldName } from "../../api";
import type { ValidationIssue } from "../../api";

/**
 * Splits a 422's issues by form field: an issue belongs to the first `fields` entry
 * its dotted name starts with ("target_demographics.age_group.17-20" → the
 * "target_demographics.age_group" field); the rest are `other`.
 */
export function issuesByField(
  error: unknown,
  fields: readonly string[],
): { byField: Map<string, ValidationIssue[]>; other: unknown } {
  const byField = new Map<string, ValidationIssue[]>();
  if (!(error instanceof ApiError) || typeof error.detail === "string") return { byField, other: error };
  const rest: ValidationIssue[] = [];
  for (const issue of error.detail) {
    const name = fieldName(issue);
    const field = fields.find((candidate) => name === candidate || name.startsWith(`${candidate}.`));
    if (field === undefined) rest.push(issue);
    else byField.set(field, [...(byField.get(field) ?? []), issue]);
  }
  const other = rest.length === 0 ? null : new ApiError(error.status, error.kind, rest, error.requestId);
  return { byField, other };
}
