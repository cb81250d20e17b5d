import sys

from qamqor.cli import main

sys.exit(main())
