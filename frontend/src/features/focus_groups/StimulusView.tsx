import { useQuery } from "@tanstack/react-query";
import { useEffect, useMemo } from "react";
import type { FocusGroup } from "./api";
import { useFocusGroupsApi } from "./api";
import { useI18n } from "../../i18n";

type Stimulus = NonNullable<FocusGroup["stimulus"]>;

/** The picture a group is shown: fetched with the user's session (an <img>
 * cannot send it), displayed from a blob URL released on unmount. */
function StimulusPicture({ url, alt }: { url: string; alt: string }) {
  const fg = useFocusGroupsApi();
  const picture = useQuery({ queryKey: ["stimulus-image", url], queryFn: () => fg.stimulusImage(url), staleTime: Infinity });
  const src = useMemo(() => (picture.data === undefined ? null : URL.createObjectURL(picture.data)), [picture.data]);
  useEffect(
    () => () => {
      if (src !== null) URL.revokeObjectURL(src);
    },
    [src],
  );
  if (src === null) return null;
  return <img className="fg-stimulus-image" src={src} alt={alt} data-testid="stimulus-image" />;
}

export function StimulusView({ stimulus }: { stimulus: Stimulus }) {
  const { t } = useI18n();
  return (
    <blockquote className="fg-stimulus">
      {stimulus.image != null && <StimulusPicture url={stimulus.image.url} alt={stimulus.content} />}
      <p>
        {stimulus.title !== "" && <strong>{stimulus.title}: </strong>}
        {stimulus.image != null && <span className="muted">{t("fg.stimulus.imageNote")} </span>}
        {stimulus.content}
      </p>
    </blockquote>
  );
}
