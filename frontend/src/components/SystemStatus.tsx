import { useQuery } from "@tanstack/react-query";
import { useApi } from "../api";
import type { DependencyStatus } from "../api";
import { useI18n } from "../i18n";
import type { MessageKey } from "../i18n";
import { ErrorMessage } from "./ErrorMessage";
import { Loading } from "./Loading";

export const STARTUP_QUERY_KEY = ["system", "startup"] as const;
const KNOWN = ["postgres", "redis", "neo4j"] as const;
type Known = (typeof KNOWN)[number];

function isKnown(name: string): name is Known {
  return (KNOWN as readonly string[]).includes(name);
}

/** Known dependencies in a fixed order, then whatever the server adds later. */
function ordered(dependencies: Record<string, DependencyStatus>): [string, DependencyStatus][] {
  const entries = Object.entries(dependencies);
  const rank = (name: string) => (isKnown(name) ? KNOWN.indexOf(name) : KNOWN.length);
  return entries.sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b));
}

export function SystemStatus({ refetchInterval = 30_000 }: { refetchInterval?: number | false }) {
  const api = useApi();
  const { t, formatNumber, formatTime } = useI18n();
  const startup = useQuery({
    queryKey: STARTUP_QUERY_KEY,
    queryFn: api.startup,
    refetchInterval,
  });

  return (
    <section className="panel" aria-labelledby="system-status-title">
      <header className="panel-header">
        <h2 id="system-status-title">{t("status.title")}</h2>
        {startup.data !== undefined && (
          <span className={`badge ${startup.data.ready ? "ok" : "failed"}`}>
            {t(startup.data.ready ? "status.ready" : "status.notReady")}
          </span>
        )}
      </header>

      {startup.isPending && <Loading />}
      {startup.isError && <ErrorMessage error={startup.error} onRetry={() => void startup.refetch()} />}
      {startup.data !== undefined && Object.keys(startup.data.dependencies).length === 0 && (
        <p className="muted">{t("status.unavailable")}</p>
      )}
      {startup.data !== undefined && (
        <ul className="dependencies">
          {ordered(startup.data.dependencies).map(([name, dependency]) => {
            const stateKey: MessageKey = `status.state.${dependency.status}`;
            return (
              <li key={name} className="dependency" data-testid={`dependency-${name}`}>
                <span className="dependency-name">
                  {isKnown(name) ? t(`status.dependency.${name}`) : name}
                </span>
                <span className={`badge ${dependency.status}`}>{t(stateKey)}</span>
                <span className="muted latency">
                  {dependency.latency_ms !== null &&
                    t("status.latency", { ms: formatNumber(dependency.latency_ms) })}
                </span>
                {dependency.detail !== null && dependency.detail !== "" && (
                  <span className="dependency-detail">{dependency.detail}</span>
                )}
              </li>
            );
          })}
        </ul>
      )}

      <footer className="panel-footer">
        {startup.dataUpdatedAt > 0 && (
          <span className="muted">
            {t("status.checkedAt", { time: formatTime(new Date(startup.dataUpdatedAt)) })}
          </span>
        )}
        <button
          type="button"
          className="secondary"
          disabled={startup.isFetching}
          onClick={() => void startup.refetch()}
        >
          {t("status.refresh")}
        </button>
      </footer>
    </section>
  );
}
