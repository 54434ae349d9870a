import type { exportsEn } from "./exports.en";
import type { CatalogueOf } from "./catalogueOf";

export const exportsPl: CatalogueOf<typeof exportsEn> = {
  "ex.menu": "Eksportuj",
  "ex.menu.hint": "Pobierz raport albo dane, na których się opiera",
  "ex.format.pdf": "Raport PDF",
  "ex.format.docx": "Dokument Word (DOCX)",
  "ex.format.md": "Markdown",
  "ex.format.json": "Dane (JSON)",
  "ex.format.xlsx": "Arkusz (XLSX)",
  "ex.format.csv": "Tabela (CSV)",
  "ex.fullPersonas": "Profile wszystkich person (inaczej 10 najbardziej reprezentatywnych)",
  "ex.preparing": "Przygotowuję {format}…",
  "ex.progress": "Tworzę raport: {percent} %",
  "ex.ready": "Pobrano {file}",
  "ex.failed": "Eksport nie powiódł się: {reason}",
  "ex.cancel": "Anuluj",
};
