"""HTTP channels: signed webhooks and REST pollers."""
