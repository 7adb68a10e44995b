"""python -m clearterm.cli"""

from clearterm.cli.main import main

main()
