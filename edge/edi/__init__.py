"""EDIFACT and X12: syntax, envelopes, grammars, acknowledgements, mappings. No I/O."""
