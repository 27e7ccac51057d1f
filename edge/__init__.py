"""The edges: protocol handling for EDI, SFTP, Odoo and HTTP channels. Imports contracts only."""
