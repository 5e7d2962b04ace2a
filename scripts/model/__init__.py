"""Language models: llama.cpp and OpenAI-compatible servers, GGUF files, grammars, prompts, the
catalog, downloads, and the user's own models (training)."""
