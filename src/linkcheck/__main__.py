"""Allow ``python -m linkcheck``."""

from linkcheck.cli import main

if __name__ == "__main__":
    main()
