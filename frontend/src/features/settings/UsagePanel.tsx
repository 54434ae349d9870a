import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { ErrorMessage } from "../../components/ErrorMessage";
import { Loading } from "../../components/Loading";
import { useI18n } from "../../i18n";
import { usageKey, useAccountApi } from "./accountApi";
import type { UsageGrouping, UsageReport } from "./accountApi";

const money = (value: number) => `$${value < 0.01 && value > 0 ? value.toFixed(4) : value.toFixed(2)}`;

function Bars({ report }: { report: UsageReport }) {
  const { t, formatNumber } = useI18n();
  const rows = [...report.rows].sort((a, b) => b.cost_usd - a.cost_usd || b.calls - a.calls);
  if (rows.length === 0) return <p className="muted">{t("account.usage.none")}</p>;
  const top = Math.max(...rows.map((row) => row.cost_usd), 0);
  return (
    <ul className="usage-bars" aria-label={t(`account.usage.by.${report.group_by as UsageGrouping}`)}>
      {rows.map((row) => {
        const share = top > 0 ? row.cost_usd / top : 0;
        return (
          <li key={row.key}>
            <span className="usage-label">
              <code>{row.key}</code>
            </span>
            <span className="usage-track" aria-hidden="true">
              <span style={{ width: `${Math.max(share * 100, row.calls > 0 ? 1 : 0)}%` }} />
            </span>
            <span className="usage-value">
              {money(row.cost_usd)} · {t("account.usage.calls", { count: row.calls })}
              {row.input_tokens + row.output_tokens > 0 && (
                <span className="muted small"> · {t("account.usage.tokens", { tokens: formatNumber(row.input_tokens + row.output_tokens) })}</span>
              )}
            </span>
          </li>
        );
      })}
    </ul>
  );
}

/** This month's LLM calls and cost, as bars by task (flow) or by model. */
export function UsagePanel() {
  const { t, formatDate } = useI18n();
  const accountApi = useAccountApi();
  const [groupBy, setGroupBy] = useState<UsageGrouping>("flow");
  const usage = useQuery({ queryKey: usageKey(groupBy), queryFn: () => accountApi.usage(groupBy) });
  const report = usage.data;
  const share = report !== undefined && report.monthly_budget_usd > 0 ? Math.min(1, report.month_spent_usd / report.monthly_budget_usd) : 0;
  return (
    <section className="panel settings-wide" aria-labelledby="usage-title">
      <header className="panel-header usage-header">
        <h2 id="usage-title">{t("account.usage.title")}</h2>
        <div className="segmented" role="group" aria-label={t("account.usage.groupBy")}>
          {(["flow", "model"] as const).map((value) => (
            <button key={value} type="button" className={value === groupBy ? "" : "secondary"} aria-pressed={value === groupBy} onClick={() => setGroupBy(value)}>
              {t(`account.usage.by.${value}`)}
            </button>
          ))}
        </div>
      </header>
      {usage.isPending && <Loading />}
      {usage.isError && <ErrorMessage error={usage.error} onRetry={() => void usage.refetch()} />}
      {report !== undefined && (
        <>
          <p>
            <strong>{t("account.usage.spent", { spent: money(report.month_spent_usd), budget: money(report.monthly_budget_usd) })}</strong>
          </p>
          <div className={`usage-budget-bar ${share >= 0.9 ? "critical" : share >= 0.8 ? "warning" : "ok"}`} aria-hidden="true">
            <span style={{ width: `${Math.round(share * 100)}%` }} />
          </div>
          <p className="muted small">
            {t("account.usage.period", { start: formatDate(report.start), end: formatDate(report.end), prices: report.price_date })}
          </p>
          <Bars report={report} />
        </>
      )}
    </section>
  );
}
