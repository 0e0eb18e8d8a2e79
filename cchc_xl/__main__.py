"""``python -m cchc_xl ...`` = ``cchc-xl ...``."""

from cchc_xl.cli import main

main()
