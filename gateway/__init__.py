"""The crossdock process: config, store, supervision tree, admin API, CLI."""
