import sys

from .run import main

try:
    sys.exit(main())
except KeyboardInterrupt:
    print("\ninterrupted: servers and database stopped", file=sys.stderr)
    sys.exit(130)
