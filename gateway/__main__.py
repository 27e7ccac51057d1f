"""``python -m gateway`` is the ``crossdock`` command."""

from gateway.cli import main

raise SystemExit(main())
