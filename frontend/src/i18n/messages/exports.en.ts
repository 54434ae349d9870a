// Export menu on the project, focus-group, survey and persona pages (features/exports).
export const exportsEn = {
  "ex.menu": "Export",
  "ex.menu.hint": "Download a report or the data behind it",
  "ex.format.pdf": "PDF report",
  "ex.format.docx": "Word document (DOCX)",
  "ex.format.md": "Markdown",
  "ex.format.json": "Data (JSON)",
  "ex.format.xlsx": "Spreadsheet (XLSX)",
  "ex.format.csv": "Table (CSV)",
  "ex.fullPersonas": "Every persona's profile (else the 10 most representative)",
  "ex.preparing": "Preparing {format}…",
  "ex.progress": "Building the report: {percent} %",
  "ex.ready": "{file} downloaded",
  "ex.failed": "The export failed: {reason}",
  "ex.cancel": "Cancel",
} as const;
