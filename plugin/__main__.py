"""`python -m excolor`: the `excolor` command (excolor.cli.main)."""
import sys

try:
    from .cli import main
except KeyboardInterrupt:
    # Ctrl-C in the instant before main() installs its handler: end as an interrupt does.
    print("excolor: interrupted", file=sys.stderr)
    sys.exit(130)

sys.exit(main())
