"""Entry points: the CLI, the HTTP API and the workers. Thin: input -> command -> service -> output."""
