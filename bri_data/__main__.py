from bri_data.cli import main

main()
