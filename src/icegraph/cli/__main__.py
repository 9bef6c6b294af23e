from icegraph.cli import main

main()
