"""The LLM gateway: every model call in Sight goes through `LLMGateway`."""
