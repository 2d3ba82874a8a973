complete -c corebox-daemon -l config -d 'Config file to read (default: config.toml in the config directory)' -r -F
complete -c corebox-daemon -l data-dir -d 'Directory for the database and stored files' -r -F
complete -c corebox-daemon -l socket -d 'Unix socket the CLI connects to' -r -F
complete -c corebox-daemon -l http -d 'Bind address of the public HTTP endpoint for share links (default 127.0.0.1:8390; port 0 picks a free one)' -r
complete -c corebox-daemon -l public-url -d 'Base URL printed in public links, for a reverse proxy in front (default: http:// and the bound --http address)' -r
complete -c corebox-daemon -l log-format -d 'Log format on stderr' -r -f -a "text\t'Human-readable lines'
json\t'One JSON object per line'"
complete -c corebox-daemon -l signup -d 'Who may sign up (the first account always may, and becomes admin)' -r -f -a "open\t'Anyone who can reach the socket'
invite\t'Only with an invite code from an admin'
closed\t'Nobody (admins make no accounts either; open it to let people in)'"
complete -c corebox-daemon -s h -l help -d 'Print help (see more with \'--help\')'
complete -c corebox-daemon -s V -l version -d 'Print version'
