"""Provider adapters over the official SDKs, plus the offline engine."""
