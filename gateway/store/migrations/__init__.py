"""The store's numbered SQL migrations (``NNNN_name.sql``); a package so wheels carry them."""
