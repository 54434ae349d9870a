import { useQuery } from "@tanstack/react-query";
import { ApiError, toApiError, useApi } from "../../api";
import type { PersonaSummary } from "../../api";
import type { Census, CensusDimension } from "./targetModel";

// The census of a country, for the target form's categories, presets and the
// "verified or not" note: GET /api/v1/census/{country}. When the server has no such
// route yet the form still knows the categories (below, in census order) but not the
// shares, and says so.

const FALLBACK_KEYS: Record<string, Record<string, string[]>> = {
  pl: {
    age_group: ["age_18_24", "age_25_34", "age_35_44", "age_45_54", "age_55_64", "age_65_plus"],
    gender: ["male", "female"],
    location: [
      "dolnoslaskie",
      "kujawsko_pomorskie",
      "lubelskie",
      "lubuskie",
      "lodzkie",
      "malopolskie",
      "mazowieckie",
      "opolskie",
      "podkarpackie",
      "podlaskie",
      "pomorskie",
      "slaskie",
      "swietokrzyskie",
      "warminsko_mazurskie",
      "wielkopolskie",
      "zachodniopomorskie",
    ],
    urban_rural: ["urban", "rural"],
    education: ["primary_or_less", "basic_vocational", "secondary", "post_secondary", "tertiary"],
    income: ["pln_under_1500", "pln_1500_2499", "pln_2500_3499", "pln_3500_4999", "pln_5000_7499", "pln_7500_plus"],
  },
  us: {
    age_group: ["age_18_24", "age_25_34", "age_35_44", "age_45_54", "age_55_64", "age_65_plus"],
    gender: ["male", "female"],
    location: ["northeast", "midwest", "south", "west"],
    urban_rural: ["urban", "rural"],
    education: ["less_than_high_school", "high_school", "some_college", "associate", "bachelors", "advanced"],
    income: [
      "usd_under_15k",
      "usd_15k_25k",
      "usd_25k_35k",
      "usd_35k_50k",
      "usd_50k_75k",
      "usd_75k_100k",
      "usd_100k_150k",
      "usd_150k_200k",
      "usd_200k_plus",
    ],
  },
};

export function fallbackCensus(country: string): Census {
  const keys = FALLBACK_KEYS[country] ?? FALLBACK_KEYS["pl"] ?? {};
  return {
    country,
    hasShares: false,
    dimensions: Object.entries(keys).map(([key, categories]) => ({
      key,
      status: "unknown",
      categories: categories.map((category) => ({ key: category, share: 0 })),
    })),
  };
}

function asRecord(value: unknown): Record<string, unknown> | null {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}

function parseDimension(key: string, raw: Record<string, unknown>): CensusDimension | null {
  const categories = raw["categories"];
  if (!Array.isArray(categories)) return null;
  const parsed = categories
    .map(asRecord)
    .filter((c): c is Record<string, unknown> => c !== null && typeof c["key"] === "string")
    .map((c) => ({ key: c["key"] as string, share: typeof c["share"] === "number" ? c["share"] : 0 }));
  const status = raw["status"] ?? asRecord(raw["source"])?.["status"];
  return { key, status: typeof status === "string" ? status : "unknown", categories: parsed };
}

/** Accepts `dimensions` as a list of {key, …} or a map by key. */
export function parseCensus(country: string, body: unknown): Census | null {
  const dimensions = asRecord(body)?.["dimensions"];
  const entries: [string, Record<string, unknown>][] = Array.isArray(dimensions)
    ? dimensions
        .map(asRecord)
        .filter((d): d is Record<string, unknown> => d !== null && typeof d["key"] === "string")
        .map((d) => [d["key"] as string, d])
    : Object.entries(asRecord(dimensions) ?? {}).flatMap(([key, value]) => {
        const record = asRecord(value);
        return record === null ? [] : [[key, record] as [string, Record<string, unknown>]];
      });
  const parsed = entries.map(([key, raw]) => parseDimension(key, raw)).filter((d): d is CensusDimension => d !== null);
  if (parsed.length === 0) return null;
  return { country, dimensions: parsed, hasShares: parsed.some((d) => d.categories.some((c) => c.share > 0)) };
}

/**
 * A project's persona summary lists every census category of its country in census
 * order with `census_share` (and, for dimensions left to the census, the target is
 * the census): the census as far as this project knows it.
 */
export function censusFromSummary(country: string, summary: PersonaSummary): Census | null {
  const dimensions: CensusDimension[] = Object.entries(summary.distributions).map(([key, rows]) => {
    const info = summary.dimensions?.[key];
    const censusOrigin = info === undefined || info.target_origin === "census";
    return {
      key,
      status: info?.census.status ?? "unknown",
      categories: rows.map((row) => ({
        key: row.category,
        share: typeof row.census_share === "number" ? row.census_share : censusOrigin ? row.target_share : 0,
      })),
    };
  });
  if (dimensions.length === 0) return null;
  const hasShares = dimensions.every((d) => d.categories.some((c) => c.share > 0));
  return { country, dimensions, hasShares };
}

/**
 * The census of `country`; with `projectId` (a project of that country) the project's
 * summary fills in the shares when the server has no census route.
 */
export function useCensus(country: string, projectId?: string) {
  const api = useApi();
  return useQuery({
    queryKey: ["census", country, projectId ?? null],
    staleTime: Infinity,
    queryFn: async (): Promise<Census> => {
      const response = await api.session.fetch(
        new Request(`${api.session.baseUrl}/api/v1/census/${encodeURIComponent(country)}`),
      );
      const body: unknown = await response.json().catch(() => null);
      if (response.status === 404 || response.status === 405) {
        if (projectId !== undefined) {
          const fromSummary = censusFromSummary(country, await api.personaSummary(projectId));
          if (fromSummary !== null) return fromSummary;
        }
        return fallbackCensus(country);
      }
      if (!response.ok) throw toApiError(response.status, body);
      return parseCensus(country, body) ?? fallbackCensus(country);
    },
    retry: (count, error) => !(error instanceof ApiError && error.status < 500) && count < 2,
  });
}
