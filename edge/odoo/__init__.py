"""Odoo: the JSON-2 / JSON-RPC client, error mapping, idempotent writes, the simulator."""
