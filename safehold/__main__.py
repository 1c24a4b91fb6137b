from safehold.cli import main

main()
