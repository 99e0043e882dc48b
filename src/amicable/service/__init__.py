"""Service layer: use cases (commands in, results and events out), ports, unit of work."""
