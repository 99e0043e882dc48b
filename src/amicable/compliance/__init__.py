"""Pure compliance engine: contact rules as plugins, rule packs as data per jurisdiction and
collector type, the content checker, and the single `decide` entry point. Fails closed."""
