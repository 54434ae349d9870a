"""Reports and exports: PDF, DOCX, Markdown, JSON, XLSX and CSV of personas,
focus groups, surveys and whole projects, built from stored rows only."""
