import { useI18n } from "../i18n";
import { describeError } from "./describeError";

export function ErrorMessage({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const { t } = useI18n();
  const lines = describeError(error, t);
  return (
    <div className="error" role="alert">
      {lines.length === 1 ? (
        <p>{lines[0]}</p>
      ) : (
        <ul>
          {lines.map((line) => (
            <li key={line}>{line}</li>
          ))}
        </ul>
      )}
      {onRetry !== undefined && (
        <button type="button" className="secondary" onClick={onRetry}>
          {t("errors.retry")}
        </button>
      )}
    </div>
  );
}
