import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import type { FormEvent } from "react";
import { ErrorMessage } from "../../components/ErrorMessage";
import { useI18n } from "../../i18n";
import { useKnowledgeApi } from "./api";
import type { SearchMode } from "./api";
import { PageLabel } from "./PassageDialog";
import type { PassageRef } from "./PassageDialog";
import { Snippet } from "./snippet";

const MODES: SearchMode[] = ["hybrid", "vector", "keyword"];

export function SearchPanel({ projectId, onOpen }: { projectId: string; onOpen: (passage: PassageRef) => void }) {
  const { t, locale } = useI18n();
  const knowledge = useKnowledgeApi();
  const [query, setQuery] = useState("");
  const [mode, setMode] = useState<SearchMode>("hybrid");
  const [topK, setTopK] = useState(5);
  const search = useMutation({
    mutationFn: (input: { query: string; mode: SearchMode; topK: number }) =>
      knowledge.search(projectId, input.query, input.mode, input.topK),
  });
  const score = new Intl.NumberFormat(locale, { maximumFractionDigits: 3, minimumFractionDigits: 3 });
  const ms = new Intl.NumberFormat(locale, { maximumFractionDigits: 0 });

  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (query.trim() !== "") search.mutate({ query: query.trim(), mode, topK });
  };
  const data = search.data;

  return (
    <section className="panel" aria-labelledby="search-title">
      <header className="panel-header">
        <h2 id="search-title">{t("knowledge.search.title")}</h2>
      </header>
      <form className="search-form" onSubmit={onSubmit} role="search">
        <label className="grow">
          <span>{t("knowledge.search.query")}</span>
          <input
            type="search"
            value={query}
            placeholder={t("knowledge.search.placeholder")}
            onChange={(event) => setQuery(event.target.value)}
            maxLength={2000}
          />
        </label>
        <label>
          <span>{t("knowledge.search.mode")}</span>
          <select value={mode} onChange={(event) => setMode(event.target.value as SearchMode)}>
            {MODES.map((value) => (
              <option key={value} value={value}>
                {t(`knowledge.search.mode.${value}`)}
              </option>
            ))}
          </select>
        </label>
        <label>
          <span>{t("knowledge.search.topK")}</span>
          <select value={topK} onChange={(event) => setTopK(Number(event.target.value))}>
            {[3, 5, 10, 20].map((value) => (
              <option key={value} value={value}>
                {value}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" disabled={search.isPending || query.trim() === ""}>
          {t(search.isPending ? "knowledge.search.searching" : "knowledge.search.submit")}
        </button>
      </form>
      {search.isError && <ErrorMessage error={search.error} />}
      {data !== undefined && (
        <p className="muted" aria-live="polite">
          {data.results.length === 0
            ? t("knowledge.search.none")
            : t("knowledge.search.summary", {
                count: data.results.length,
                documents: data.documents_searched,
                ms: ms.format(data.took_ms),
              })}
        </p>
      )}
      {data !== undefined && data.results.length > 0 && (
        <ol className="results">
          {data.results.map((result) => (
            <li key={result.chunk_id} className="result" data-testid="search-result">
              <div className="result-head">
                <strong className="result-title">{result.document_title}</strong>
                <PageLabel page={result.page} pageEnd={result.page_end} />
                {result.heading !== "" && <span className="muted result-heading">{result.heading}</span>}
              </div>
              <Snippet html={result.snippet} />
              <div className="result-meta">
                {result.source === "graph" ? (
                  <span className="badge">{t("knowledge.search.fromGraph")}</span>
                ) : (
                  <span className="badge" data-testid="result-score">
                    {t("knowledge.search.score", { score: score.format(result.score) })}
                  </span>
                )}
                {result.vector_score !== null && (
                  <span className="muted">{t("knowledge.search.similarity", { score: score.format(result.vector_score) })}</span>
                )}
                {result.keyword_rank !== null && (
                  <span className="muted">{t("knowledge.search.keywordRank", { rank: result.keyword_rank })}</span>
                )}
                {result.vector_rank !== null && (
                  <span className="muted">{t("knowledge.search.meaningRank", { rank: result.vector_rank })}</span>
                )}
                <button
                  type="button"
                  className="link-button"
                  onClick={() =>
                    onOpen({
                      documentId: result.document_id,
                      chunkId: result.chunk_id,
                      title: result.document_title,
                      page: result.page,
                      pageEnd: result.page_end,
                    })
                  }
                >
                  {t("knowledge.openPassage")}
                </button>
              </div>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
