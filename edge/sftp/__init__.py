"""SFTP: the partners' drop server, pollers for partner-hosted SFTP, outbound uploads."""
