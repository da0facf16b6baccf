from seatledger.cli import main

main()
