"""Spec data files (TOML); a package only so that installs ship them as package data."""
