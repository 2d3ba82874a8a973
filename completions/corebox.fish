# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_corebox_global_optspecs
    string join \n socket= json q/quiet h/help V/version
end

function __fish_corebox_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_corebox_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_corebox_using_subcommand
    set -l cmd (__fish_corebox_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c corebox -n "__fish_corebox_needs_command" -l socket -d 'The daemon\'s socket [default: $XDG_RUNTIME_DIR/corebox/corebox.sock]' -r -F
complete -c corebox -n "__fish_corebox_needs_command" -l json -d 'Print machine-readable JSON on stdout'
complete -c corebox -n "__fish_corebox_needs_command" -s q -l quiet -d 'Print only the essential value; on stderr only warnings and errors'
complete -c corebox -n "__fish_corebox_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c corebox -n "__fish_corebox_needs_command" -s V -l version -d 'Print version'
complete -c corebox -n "__fish_corebox_needs_command" -f -a "signup" -d 'Make an account and log in (the first account becomes admin)'
complete -c corebox -n "__fish_corebox_needs_command" -f -a "login" -d 'Log in and keep the session token for later commands'
complete -c corebox -n "__fish_corebox_needs_command" -f -a "logout" -d 'End the session and forget its token'
complete -c corebox -n "__fish_corebox_needs_command" -f -a "whoami" -d 'Show the account and token in use'
complete -c corebox -n "__fish_corebox_needs_command" -f -a "upload" -d 'Upload files and print their ids (or share URLs, with --share)'
complete -c corebox -n "__fish_corebox_needs_command" -f -a "download" -d 'Download a file by id, or a share URL'
complete -c corebox -n "__fish_corebox_needs_command" -f -a "ls" -d 'List your files and those granted to you'
complete -c corebox -n "__fish_corebox_needs_command" -f -a "list" -d 'List your files and those granted to you'
complete -c corebox -n "__fish_corebox_needs_command" -f -a "info" -d 'Show a file\'s details'
complete -c corebox -n "__fish_corebox_needs_command" -f -a "rename" -d 'Rename a file'
complete -c corebox -n "__fish_corebox_needs_command" -f -a "rm" -d 'Delete files'
complete -c corebox -n "__fish_corebox_needs_command" -f -a "grant" -d 'Let another user read and download a file'
complete -c corebox -n "__fish_corebox_needs_command" -f -a "revoke-grant" -d 'Take back a user\'s access to a file'
complete -c corebox -n "__fish_corebox_needs_command" -f -a "share" -d 'Make a public share link for a file and print its URL'
complete -c corebox -n "__fish_corebox_needs_command" -f -a "shares" -d 'List, revoke and inspect share links'
complete -c corebox -n "__fish_corebox_needs_command" -f -a "shorten" -d 'Make a short link that redirects to a URL and print it'
complete -c corebox -n "__fish_corebox_needs_command" -f -a "links" -d 'List, show, edit, remove short links and read their clicks'
complete -c corebox -n "__fish_corebox_needs_command" -f -a "jobs" -d 'List, show, cancel, retry and watch background jobs'
complete -c corebox -n "__fish_corebox_needs_command" -f -a "image" -d 'Resize, compress or thumbnail an image, as a background job'
complete -c corebox -n "__fish_corebox_needs_command" -f -a "import" -d 'Have the daemon download a URL into your files, as a background job'
complete -c corebox -n "__fish_corebox_needs_command" -f -a "verify" -d 'Re-hash stored content against its address, as a background job'
complete -c corebox -n "__fish_corebox_needs_command" -f -a "passwd" -d 'Change the password (ends every other session)'
complete -c corebox -n "__fish_corebox_needs_command" -f -a "profile" -d 'Show or change the profile'
complete -c corebox -n "__fish_corebox_needs_command" -f -a "account" -d 'Manage the account'
complete -c corebox -n "__fish_corebox_needs_command" -f -a "token" -d 'Manage API tokens for scripts'
complete -c corebox -n "__fish_corebox_needs_command" -f -a "admin" -d 'Administer users and invites (admins only)'
complete -c corebox -n "__fish_corebox_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c corebox -n "__fish_corebox_using_subcommand signup" -l username -d 'The username [prompted for when stdin is a terminal]' -r
complete -c corebox -n "__fish_corebox_using_subcommand signup" -l invite -d 'An invite code, when signup is invite-only' -r
complete -c corebox -n "__fish_corebox_using_subcommand signup" -l socket -d 'The daemon\'s socket [default: $XDG_RUNTIME_DIR/corebox/corebox.sock]' -r -F
complete -c corebox -n "__fish_corebox_using_subcommand signup" -l password-stdin -d 'Read the password from the first line of stdin instead of prompting'
complete -c corebox -n "__fish_corebox_using_subcommand signup" -l json -d 'Print machine-readable JSON on stdout'
complete -c corebox -n "__fish_corebox_using_subcommand signup" -s q -l quiet -d 'Print only the essential value; on stderr only warnings and errors'
complete -c corebox -n "__fish_corebox_using_subcommand signup" -s h -l help -d 'Print help'
complete -c corebox -n "__fish_corebox_using_subcommand signup" -s V -l version -d 'Print version'
complete -c corebox -n "__fish_corebox_using_subcommand login" -l username -d 'The username [prompted for when stdin is a terminal]' -r
complete -c corebox -n "__fish_corebox_using_subcommand login" -l socket -d 'The daemon\'s socket [default: $XDG_RUNTIME_DIR/corebox/corebox.sock]' -r -F
complete -c corebox -n "__fish_corebox_using_subcommand login" -l password-stdin -d 'Read the password from the first line of stdin instead of prompting'
complete -c corebox -n "__fish_corebox_using_subcommand login" -l json -d 'Print machine-readable JSON on stdout'
complete -c corebox -n "__fish_corebox_using_subcommand login" -s q -l quiet -d 'Print only the essential value; on stderr only warnings and errors'
complete -c corebox -n "__fish_corebox_using_subcommand login" -s h -l help -d 'Print help'
complete -c corebox -n "__fish_corebox_using_subcommand login" -s V -l version -d 'Print version'
complete -c corebox -n "__fish_corebox_using_subcommand logout" -l socket -d 'The daemon\'s socket [default: $XDG_RUNTIME_DIR/corebox/corebox.sock]' -r -F
complete -c corebox -n "__fish_corebox_using_subcommand logout" -l json -d 'Print machine-readable JSON on stdout'
complete -c corebox -n "__fish_corebox_using_subcommand logout" -s q -l quiet -d 'Print only the essential value; on stderr only warnings and errors'
complete -c corebox -n "__fish_corebox_using_subcommand logout" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c corebox -n "__fish_corebox_using_subcommand logout" -s V -l version -d 'Print version'
complete -c corebox -n "__fish_corebox_using_subcommand whoami" -l socket -d 'The daemon\'s socket [default: $XDG_RUNTIME_DIR/corebox/corebox.sock]' -r -F
complete -c corebox -n "__fish_corebox_using_subcommand whoami" -l json -d 'Print machine-readable JSON on stdout'
complete -c corebox -n "__fish_corebox_using_subcommand whoami" -s q -l quiet -d 'Print only the essential value; on stderr only warnings and errors'
complete -c corebox -n "__fish_corebox_using_subcommand whoami" -s h -l help -d 'Print help'
complete -c corebox -n "__fish_corebox_using_subcommand whoami" -s V -l version -d 'Print version'
complete -c corebox -n "__fish_corebox_using_subcommand upload" -l name -d 'The name to store the file under, for a single file [default: its base name]' -r
complete -c corebox -n "__fish_corebox_using_subcommand upload" -l expires -d 'How long the link works, such as 1d, 12h or 90m [default: until revoked]' -r
complete -c corebox -n "__fish_corebox_using_subcommand upload" -l max-downloads -d 'How many complete downloads the link allows [default: no limit]' -r
complete -c corebox -n "__fish_corebox_using_subcommand upload" -l socket -d 'The daemon\'s socket [default: $XDG_RUNTIME_DIR/corebox/corebox.sock]' -r -F
complete -c corebox -n "__fish_corebox_using_subcommand upload" -l share -d 'Make a share link for each file and print its URL instead of the id'
complete -c corebox -n "__fish_corebox_using_subcommand upload" -l password -d 'Protect the link with a password, asked for twice on the terminal'
complete -c corebox -n "__fish_corebox_using_subcommand upload" -l password-stdin -d 'Protect the link with a password read from the first line of stdin'
complete -c corebox -n "__fish_corebox_using_subcommand upload" -l wait -d 'Then watch the jobs the upload started (its check, its thumbnail) until they end'
complete -c corebox -n "__fish_corebox_using_subcommand upload" -l json -d 'Print machine-readable JSON on stdout'
complete -c corebox -n "__fish_corebox_using_subcommand upload" -s q -l quiet -d 'Print only the essential value; on stderr only warnings and errors'
complete -c corebox -n "__fish_corebox_using_subcommand upload" -s h -l help -d 'Print help'
complete -c corebox -n "__fish_corebox_using_subcommand upload" -s V -l version -d 'Print version'
complete -c corebox -n "__fish_corebox_using_subcommand download" -s o -l output -d 'Where to save it: a file, a directory to save it in under its name, or - for stdout [default: its name in the current directory]' -r -F
complete -c corebox -n "__fish_corebox_using_subcommand download" -l socket -d 'The daemon\'s socket [default: $XDG_RUNTIME_DIR/corebox/corebox.sock]' -r -F
complete -c corebox -n "__fish_corebox_using_subcommand download" -l force -d 'Replace PATH when it already exists'
complete -c corebox -n "__fish_corebox_using_subcommand download" -l password-stdin -d 'For a share URL with a password: read it from the first line of stdin instead of asking'
complete -c corebox -n "__fish_corebox_using_subcommand download" -l json -d 'Print machine-readable JSON on stdout'
complete -c corebox -n "__fish_corebox_using_subcommand download" -s q -l quiet -d 'Print only the essential value; on stderr only warnings and errors'
complete -c corebox -n "__fish_corebox_using_subcommand download" -s h -l help -d 'Print help'
complete -c corebox -n "__fish_corebox_using_subcommand download" -s V -l version -d 'Print version'
complete -c corebox -n "__fish_corebox_using_subcommand ls" -l sort -d 'The order of the list' -r -f -a "created\t'Newest first'
name\t'By name'
size\t'Largest first'"
complete -c corebox -n "__fish_corebox_using_subcommand ls" -l socket -d 'The daemon\'s socket [default: $XDG_RUNTIME_DIR/corebox/corebox.sock]' -r -F
complete -c corebox -n "__fish_corebox_using_subcommand ls" -l reverse -d 'Reverse the order'
complete -c corebox -n "__fish_corebox_using_subcommand ls" -l json -d 'Print machine-readable JSON on stdout'
complete -c corebox -n "__fish_corebox_using_subcommand ls" -s q -l quiet -d 'Print only the essential value; on stderr only warnings and errors'
complete -c corebox -n "__fish_corebox_using_subcommand ls" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c corebox -n "__fish_corebox_using_subcommand ls" -s V -l version -d 'Print version'
complete -c corebox -n "__fish_corebox_using_subcommand list" -l sort -d 'The order of the list' -r -f -a "created\t'Newest first'
name\t'By name'
size\t'Largest first'"
complete -c corebox -n "__fish_corebox_using_subcommand list" -l socket -d 'The daemon\'s socket [default: $XDG_RUNTIME_DIR/corebox/corebox.sock]' -r -F
complete -c corebox -n "__fish_corebox_using_subcommand list" -l reverse -d 'Reverse the order'
complete -c corebox -n "__fish_corebox_using_subcommand list" -l json -d 'Print machine-readable JSON on stdout'
complete -c corebox -n "__fish_corebox_using_subcommand list" -s q -l quiet -d 'Print only the essential value; on stderr only warnings and errors'
complete -c corebox -n "__fish_corebox_using_subcommand list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c corebox -n "__fish_corebox_using_subcommand list" -s V -l version -d 'Print version'
complete -c corebox -n "__fish_corebox_using_subcommand info" -l socket -d 'The daemon\'s socket [default: $XDG_RUNTIME_DIR/corebox/corebox.sock]' -r -F
complete -c corebox -n "__fish_corebox_using_subcommand info" -l json -d 'Print machine-readable JSON on stdout'
complete -c corebox -n "__fish_corebox_using_subcommand info" -s q -l quiet -d 'Print only the essential value; on stderr only warnings and errors'
complete -c corebox -n "__fish_corebox_using_subcommand info" -s h -l help -d 'Print help'
complete -c corebox -n "__fish_corebox_using_subcommand info" -s V -l version -d 'Print version'
complete -c corebox -n "__fish_corebox_using_subcommand rename" -l socket -d 'The daemon\'s socket [default: $XDG_RUNTIME_DIR/corebox/corebox.sock]' -r -F
complete -c corebox -n "__fish_corebox_using_subcommand rename" -l json -d 'Print machine-readable JSON on stdout'
complete -c corebox -n "__fish_corebox_using_subcommand rename" -s q -l quiet -d 'Print only the essential value; on stderr only warnings and errors'
complete -c corebox -n "__fish_corebox_using_subcommand rename" -s h -l help -d 'Print help'
complete -c corebox -n "__fish_corebox_using_subcommand rename" -s V -l version -d 'Print version'
complete -c corebox -n "__fish_corebox_using_subcommand rm" -l socket -d 'The daemon\'s socket [default: $XDG_RUNTIME_DIR/corebox/corebox.sock]' -r -F
complete -c corebox -n "__fish_corebox_using_subcommand rm" -l json -d 'Print machine-readable JSON on stdout'
complete -c corebox -n "__fish_corebox_using_subcommand rm" -s q -l quiet -d 'Print only the essential value; on stderr only warnings and errors'
complete -c corebox -n "__fish_corebox_using_subcommand rm" -s h -l help -d 'Print help'
complete -c corebox -n "__fish_corebox_using_subcommand rm" -s V -l version -d 'Print version'
complete -c corebox -n "__fish_corebox_using_subcommand grant" -l user -d 'The user who may read it' -r
complete -c corebox -n "__fish_corebox_using_subcommand grant" -l socket -d 'The daemon\'s socket [default: $XDG_RUNTIME_DIR/corebox/corebox.sock]' -r -F
complete -c corebox -n "__fish_corebox_using_subcommand grant" -l json -d 'Print machine-readable JSON on stdout'
complete -c corebox -n "__fish_corebox_using_subcommand grant" -s q -l quiet -d 'Print only the essential value; on stderr only warnings and errors'
complete -c corebox -n "__fish_corebox_using_subcommand grant" -s h -l help -d 'Print help'
complete -c corebox -n "__fish_corebox_using_subcommand grant" -s V -l version -d 'Print version'
complete -c corebox -n "__fish_corebox_using_subcommand revoke-grant" -l user -d 'The user who may read it' -r
complete -c corebox -n "__fish_corebox_using_subcommand revoke-grant" -l socket -d 'The daemon\'s socket [default: $XDG_RUNTIME_DIR/corebox/corebox.sock]' -r -F
complete -c corebox -n "__fish_corebox_using_subcommand revoke-grant" -l json -d 'Print machine-readable JSON on stdout'
complete -c corebox -n "__fish_corebox_using_subcommand revoke-grant" -s q -l quiet -d 'Print only the essential value; on stderr only warnings and errors'
complete -c corebox -n "__fish_corebox_using_subcommand revoke-grant" -s h -l help -d 'Print help'
complete -c corebox -n "__fish_corebox_using_subcommand revoke-grant" -s V -l version -d 'Print version'
complete -c corebox -n "__fish_corebox_using_subcommand share" -l expires -d 'How long the link works, such as 1d, 12h or 90m [default: until revoked]' -r
complete -c corebox -n "__fish_corebox_using_subcommand share" -l max-downloads -d 'How many complete downloads the link allows [default: no limit]' -r
complete -c corebox -n "__fish_corebox_using_subcommand share" -l socket -d 'The daemon\'s socket [default: $XDG_RUNTIME_DIR/corebox/corebox.sock]' -r -F
complete -c corebox -n "__fish_corebox_using_subcommand share" -l password -d 'Protect the link with a password, asked for twice on the terminal'
complete -c corebox -n "__fish_corebox_using_subcommand share" -l password-stdin -d 'Protect the link with a password read from the first line of stdin'
complete -c corebox -n "__fish_corebox_using_subcommand share" -l json -d 'Print machine-readable JSON on stdout'
complete -c corebox -n "__fish_corebox_using_subcommand share" -s q -l quiet -d 'Print only the essential value; on stderr only warnings and errors'
complete -c corebox -n "__fish_corebox_using_subcommand share" -s h -l help -d 'Print help'
complete -c corebox -n "__fish_corebox_using_subcommand share" -s V -l version -d 'Print version'
complete -c corebox -n "__fish_corebox_using_subcommand shares; and not __fish_seen_subcommand_from ls list revoke stats help" -l socket -d 'The daemon\'s socket [default: $XDG_RUNTIME_DIR/corebox/corebox.sock]' -r -F
complete -c corebox -n "__fish_corebox_using_subcommand shares; and not __fish_seen_subcommand_from ls list revoke stats help" -l json -d 'Print machine-readable JSON on stdout'
complete -c corebox -n "__fish_corebox_using_subcommand shares; and not __fish_seen_subcommand_from ls list revoke stats help" -s q -l quiet -d 'Print only the essential value; on stderr only warnings and errors'
complete -c corebox -n "__fish_corebox_using_subcommand shares; and not __fish_seen_subcommand_from ls list revoke stats help" -s h -l help -d 'Print help'
complete -c corebox -n "__fish_corebox_using_subcommand shares; and not __fish_seen_subcommand_from ls list revoke stats help" -s V -l version -d 'Print version'
complete -c corebox -n "__fish_corebox_using_subcommand shares; and not __fish_seen_subcommand_from ls list revoke stats help" -f -a "ls" -d 'List your live share links (-q: their URLs)'
complete -c corebox -n "__fish_corebox_using_subcommand shares; and not __fish_seen_subcommand_from ls list revoke stats help" -f -a "list" -d 'List your live share links (-q: their URLs)'
complete -c corebox -n "__fish_corebox_using_subcommand shares; and not __fish_seen_subcommand_from ls list revoke stats help" -f -a "revoke" -d 'End a share link at once'
complete -c corebox -n "__fish_corebox_using_subcommand shares; and not __fish_seen_subcommand_from ls list revoke stats help" -f -a "stats" -d 'Show a share link\'s downloads: counts, bytes and recent visitors'
complete -c corebox -n "__fish_corebox_using_subcommand shares; and not __fish_seen_subcommand_from ls list revoke stats help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c corebox -n "__fish_corebox_using_subcommand shares; and __fish_seen_subcommand_from ls" -l socket -d 'The daemon\'s socket [default: $XDG_RUNTIME_DIR/corebox/corebox.sock]' -r -F
complete -c corebox -n "__fish_corebox_using_subcommand shares; and __fish_seen_subcommand_from ls" -l json -d 'Print machine-readable JSON on stdout'
complete -c corebox -n "__fish_corebox_using_subcommand shares; and __fish_seen_subcommand_from ls" -s q -l quiet -d 'Print only the essential value; on stderr only warnings and errors'
complete -c corebox -n "__fish_corebox_using_subcommand shares; and __fish_seen_subcommand_from ls" -s h -l help -d 'Print help'
complete -c corebox -n "__fish_corebox_using_subcommand shares; and __fish_seen_subcommand_from ls" -s V -l version -d 'Print version'
complete -c corebox -n "__fish_corebox_using_subcommand shares; and __fish_seen_subcommand_from list" -l socket -d 'The daemon\'s socket [default: $XDG_RUNTIME_DIR/corebox/corebox.sock]' -r -F
complete -c corebox -n "__fish_corebox_using_subcommand shares; and __fish_seen_subcommand_from list" -l json -d 'Print machine-readable JSON on stdout'
complete -c corebox -n "__fish_corebox_using_subcommand shares; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print only the essential value; on stderr only warnings and errors'
complete -c corebox -n "__fish_corebox_using_subcommand shares; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c corebox -n "__fish_corebox_using_subcommand shares; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c corebox -n "__fish_corebox_using_subcommand shares; and __fish_seen_subcommand_from revoke" -l socket -d 'The daemon\'s socket [default: $XDG_RUNTIME_DIR/corebox/corebox.sock]' -r -F
complete -c corebox -n "__fish_corebox_using_subcommand shares; and __fish_seen_subcommand_from revoke" -l json -d 'Print machine-readable JSON on stdout'
complete -c corebox -n "__fish_corebox_using_subcommand shares; and __fish_seen_subcommand_from revoke" -s q -l quiet -d 'Print only the essential value; on stderr only warnings and errors'
complete -c corebox -n "__fish_corebox_using_subcommand shares; and __fish_seen_subcommand_from revoke" -s h -l help -d 'Print help'
complete -c corebox -n "__fish_corebox_using_subcommand shares; and __fish_seen_subcommand_from revoke" -s V -l version -d 'Print version'
complete -c corebox -n "__fish_corebox_using_subcommand shares; and __fish_seen_subcommand_from stats" -l socket -d 'The daemon\'s socket [default: $XDG_RUNTIME_DIR/corebox/corebox.sock]' -r -F
complete -c corebox -n "__fish_corebox_using_subcommand shares; and __fish_seen_subcommand_from stats" -l json -d 'Print machine-readable JSON on stdout'
complete -c corebox -n "__fish_corebox_using_subcommand shares; and __fish_seen_subcommand_from stats" -s q -l quiet -d 'Print only the essential value; on stderr only warnings and errors'
complete -c corebox -n "__fish_corebox_using_subcommand shares; and __fish_seen_subcommand_from stats" -s h -l help -d 'Print help'
complete -c corebox -n "__fish_corebox_using_subcommand shares; and __fish_seen_subcommand_from stats" -s V -l version -d 'Print version'
complete -c corebox -n "__fish_corebox_using_subcommand shares; and __fish_seen_subcommand_from help" -f -a "ls" -d 'List your live share links (-q: their URLs)'
complete -c corebox -n "__fish_corebox_using_subcommand shares; and __fish_seen_subcommand_from help" -f -a "revoke" -d 'End a share link at once'
complete -c corebox -n "__fish_corebox_using_subcommand shares; and __fish_seen_subcommand_from help" -f -a "stats" -d 'Show a share link\'s downloads: counts, bytes and recent visitors'
complete -c corebox -n "__fish_corebox_using_subcommand shares; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c corebox -n "__fish_corebox_using_subcommand shorten" -l alias -d 'A code of your own instead of a random one: 1 to 64 letters, digits, \'_\' or \'-\'' -r
complete -c corebox -n "__fish_corebox_using_subcommand shorten" -l expires -d 'How long the link works, such as 7d or 12h [default: until removed]' -r
complete -c corebox -n "__fish_corebox_using_subcommand shorten" -l expires-at -d 'When the link stops working: 2026-12-31 (its end, UTC), 2026-12-31T18:00:00Z or 2026-12-31T18:00:00+01:00' -r
complete -c corebox -n "__fish_corebox_using_subcommand shorten" -l max-clicks -d 'How many redirects the link allows [default: no limit]' -r
complete -c corebox -n "__fish_corebox_using_subcommand shorten" -l socket -d 'The daemon\'s socket [default: $XDG_RUNTIME_DIR/corebox/corebox.sock]' -r -F
complete -c corebox -n "__fish_corebox_using_subcommand shorten" -l password -d 'Protect the link with a password, asked for twice on the terminal'
complete -c corebox -n "__fish_corebox_using_subcommand shorten" -l password-stdin -d 'Protect the link with a password read from the first line of stdin'
complete -c corebox -n "__fish_corebox_using_subcommand shorten" -l qr -d 'Also draw the short URL as a QR code'
complete -c corebox -n "__fish_corebox_using_subcommand shorten" -l json -d 'Print machine-readable JSON on stdout'
complete -c corebox -n "__fish_corebox_using_subcommand shorten" -s q -l quiet -d 'Print only the essential value; on stderr only warnings and errors'
complete -c corebox -n "__fish_corebox_using_subcommand shorten" -s h -l help -d 'Print help'
complete -c corebox -n "__fish_corebox_using_subcommand shorten" -s V -l version -d 'Print version'
complete -c corebox -n "__fish_corebox_using_subcommand links; and not __fish_seen_subcommand_from ls list show edit rm stats help" -l socket -d 'The daemon\'s socket [default: $XDG_RUNTIME_DIR/corebox/corebox.sock]' -r -F
complete -c corebox -n "__fish_corebox_using_subcommand links; and not __fish_seen_subcommand_from ls list show edit rm stats help" -l json -d 'Print machine-readable JSON on stdout'
complete -c corebox -n "__fish_corebox_using_subcommand links; and not __fish_seen_subcommand_from ls list show edit rm stats help" -s q -l quiet -d 'Print only the essential value; on stderr only warnings and errors'
complete -c corebox -n "__fish_corebox_using_subcommand links; and not __fish_seen_subcommand_from ls list show edit rm stats help" -s h -l help -d 'Print help'
complete -c corebox -n "__fish_corebox_using_subcommand links; and not __fish_seen_subcommand_from ls list show edit rm stats help" -s V -l version -d 'Print version'
complete -c corebox -n "__fish_corebox_using_subcommand links; and not __fish_seen_subcommand_from ls list show edit rm stats help" -f -a "ls" -d 'List your short links (-q: their URLs)'
complete -c corebox -n "__fish_corebox_using_subcommand links; and not __fish_seen_subcommand_from ls list show edit rm stats help" -f -a "list" -d 'List your short links (-q: their URLs)'
complete -c corebox -n "__fish_corebox_using_subcommand links; and not __fish_seen_subcommand_from ls list show edit rm stats help" -f -a "show" -d 'Show a short link\'s target, limits and clicks'
complete -c corebox -n "__fish_corebox_using_subcommand links; and not __fish_seen_subcommand_from ls list show edit rm stats help" -f -a "edit" -d 'Change where a short link goes, or its limits; visitors see the change at once'
complete -c corebox -n "__fish_corebox_using_subcommand links; and not __fish_seen_subcommand_from ls list show edit rm stats help" -f -a "rm" -d 'Remove a short link and its clicks; it stops at once'
complete -c corebox -n "__fish_corebox_using_subcommand links; and not __fish_seen_subcommand_from ls list show edit rm stats help" -f -a "stats" -d 'Show a short link\'s clicks: per day, unique visitors, referrers, browsers and bots'
complete -c corebox -n "__fish_corebox_using_subcommand links; and not __fish_seen_subcommand_from ls list show edit rm stats help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c corebox -n "__fish_corebox_using_subcommand links; and __fish_seen_subcommand_from ls" -l socket -d 'The daemon\'s socket [default: $XDG_RUNTIME_DIR/corebox/corebox.sock]' -r -F
complete -c corebox -n "__fish_corebox_using_subcommand links; and __fish_seen_subcommand_from ls" -l json -d 'Print machine-readable JSON on stdout'
complete -c corebox -n "__fish_corebox_using_subcommand links; and __fish_seen_subcommand_from ls" -s q -l quiet -d 'Print only the essential value; on stderr only warnings and errors'
complete -c corebox -n "__fish_corebox_using_subcommand links; and __fish_seen_subcommand_from ls" -s h -l help -d 'Print help'
complete -c corebox -n "__fish_corebox_using_subcommand links; and __fish_seen_subcommand_from ls" -s V -l version -d 'Print version'
complete -c corebox -n "__fish_corebox_using_subcommand links; and __fish_seen_subcommand_from list" -l socket -d 'The daemon\'s socket [default: $XDG_RUNTIME_DIR/corebox/corebox.sock]' -r -F
complete -c corebox -n "__fish_corebox_using_subcommand links; and __fish_seen_subcommand_from list" -l json -d 'Print machine-readable JSON on stdout'
complete -c corebox -n "__fish_corebox_using_subcommand links; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print only the essential value; on stderr only warnings and errors'
complete -c corebox -n "__fish_corebox_using_subcommand links; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c corebox -n "__fish_corebox_using_subcommand links; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c corebox -n "__fish_corebox_using_subcommand links; and __fish_seen_subcommand_from show" -l socket -d 'The daemon\'s socket [default: $XDG_RUNTIME_DIR/corebox/corebox.sock]' -r -F
complete -c corebox -n "__fish_corebox_using_subcommand links; and __fish_seen_subcommand_from show" -l json -d 'Print machine-readable JSON on stdout'
complete -c corebox -n "__fish_corebox_using_subcommand links; and __fish_seen_subcommand_from show" -s q -l quiet -d 'Print only the essential value; on stderr only warnings and errors'
complete -c corebox -n "__fish_corebox_using_subcommand links; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help'
complete -c corebox -n "__fish_corebox_using_subcommand links; and __fish_seen_subcommand_from show" -s V -l version -d 'Print version'
complete -c corebox -n "__fish_corebox_using_subcommand links; and __fish_seen_subcommand_from edit" -l target -d 'A new target URL' -r
complete -c corebox -n "__fish_corebox_using_subcommand links; and __fish_seen_subcommand_from edit" -l expires -d 'How long the link works, such as 7d or 12h [default: until removed]' -r
complete -c corebox -n "__fish_corebox_using_subcommand links; and __fish_seen_subcommand_from edit" -l expires-at -d 'When the link stops working: 2026-12-31 (its end, UTC), 2026-12-31T18:00:00Z or 2026-12-31T18:00:00+01:00' -r
complete -c corebox -n "__fish_corebox_using_subcommand links; and __fish_seen_subcommand_from edit" -l max-clicks -d 'A new click limit' -r
complete -c corebox -n "__fish_corebox_using_subcommand links; and __fish_seen_subcommand_from edit" -l socket -d 'The daemon\'s socket [default: $XDG_RUNTIME_DIR/corebox/corebox.sock]' -r -F
complete -c corebox -n "__fish_corebox_using_subcommand links; and __fish_seen_subcommand_from edit" -l never-expires -d 'Make the link work until removed'
complete -c corebox -n "__fish_corebox_using_subcommand links; and __fish_seen_subcommand_from edit" -l unlimited -d 'Lift the click limit'
complete -c corebox -n "__fish_corebox_using_subcommand links; and __fish_seen_subcommand_from edit" -l json -d 'Print machine-readable JSON on stdout'
complete -c corebox -n "__fish_corebox_using_subcommand links; and __fish_seen_subcommand_from edit" -s q -l quiet -d 'Print only the essential value; on stderr only warnings and errors'
complete -c corebox -n "__fish_corebox_using_subcommand links; and __fish_seen_subcommand_from edit" -s h -l help -d 'Print help'
complete -c corebox -n "__fish_corebox_using_subcommand links; and __fish_seen_subcommand_from edit" -s V -l version -d 'Print version'
complete -c corebox -n "__fish_corebox_using_subcommand links; and __fish_seen_subcommand_from rm" -l socket -d 'The daemon\'s socket [default: $XDG_RUNTIME_DIR/corebox/corebox.sock]' -r -F
complete -c corebox -n "__fish_corebox_using_subcommand links; and __fish_seen_subcommand_from rm" -l json -d 'Print machine-readable JSON on stdout'
complete -c corebox -n "__fish_corebox_using_subcommand links; and __fish_seen_subcommand_from rm" -s q -l quiet -d 'Print only the essential value; on stderr only warnings and errors'
complete -c corebox -n "__fish_corebox_using_subcommand links; and __fish_seen_subcommand_from rm" -s h -l help -d 'Print help'
complete -c corebox -n "__fish_corebox_using_subcommand links; and __fish_seen_subcommand_from rm" -s V -l version -d 'Print version'
complete -c corebox -n "__fish_corebox_using_subcommand links; and __fish_seen_subcommand_from stats" -l days -d 'How many days back, today included' -r
complete -c corebox -n "__fish_corebox_using_subcommand links; and __fish_seen_subcommand_from stats" -l socket -d 'The daemon\'s socket [default: $XDG_RUNTIME_DIR/corebox/corebox.sock]' -r -F
complete -c corebox -n "__fish_corebox_using_subcommand links; and __fish_seen_subcommand_from stats" -l json -d 'Print machine-readable JSON on stdout'
complete -c corebox -n "__fish_corebox_using_subcommand links; and __fish_seen_subcommand_from stats" -s q -l quiet -d 'Print only the essential value; on stderr only warnings and errors'
complete -c corebox -n "__fish_corebox_using_subcommand links; and __fish_seen_subcommand_from stats" -s h -l help -d 'Print help'
complete -c corebox -n "__fish_corebox_using_subcommand links; and __fish_seen_subcommand_from stats" -s V -l version -d 'Print version'
complete -c corebox -n "__fish_corebox_using_subcommand links; and __fish_seen_subcommand_from help" -f -a "ls" -d 'List your short links (-q: their URLs)'
complete -c corebox -n "__fish_corebox_using_subcommand links; and __fish_seen_subcommand_from help" -f -a "show" -d 'Show a short link\'s target, limits and clicks'
complete -c corebox -n "__fish_corebox_using_subcommand links; and __fish_seen_subcommand_from help" -f -a "edit" -d 'Change where a short link goes, or its limits; visitors see the change at once'
complete -c corebox -n "__fish_corebox_using_subcommand links; and __fish_seen_subcommand_from help" -f -a "rm" -d 'Remove a short link and its clicks; it stops at once'
complete -c corebox -n "__fish_corebox_using_subcommand links; and __fish_seen_subcommand_from help" -f -a "stats" -d 'Show a short link\'s clicks: per day, unique visitors, referrers, browsers and bots'
complete -c corebox -n "__fish_corebox_using_subcommand links; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c corebox -n "__fish_corebox_using_subcommand jobs; and not __fish_seen_subcommand_from ls list show cancel retry watch help" -l socket -d 'The daemon\'s socket [default: $XDG_RUNTIME_DIR/corebox/corebox.sock]' -r -F
complete -c corebox -n "__fish_corebox_using_subcommand jobs; and not __fish_seen_subcommand_from ls list show cancel retry watch help" -l json -d 'Print machine-readable JSON on stdout'
complete -c corebox -n "__fish_corebox_using_subcommand jobs; and not __fish_seen_subcommand_from ls list show cancel retry watch help" -s q -l quiet -d 'Print only the essential value; on stderr only warnings and errors'
complete -c corebox -n "__fish_corebox_using_subcommand jobs; and not __fish_seen_subcommand_from ls list show cancel retry watch help" -s h -l help -d 'Print help'
complete -c corebox -n "__fish_corebox_using_subcommand jobs; and not __fish_seen_subcommand_from ls list show cancel retry watch help" -s V -l version -d 'Print version'
complete -c corebox -n "__fish_corebox_using_subcommand jobs; and not __fish_seen_subcommand_from ls list show cancel retry watch help" -f -a "ls" -d 'List your jobs still to run and those ended in the last hour'
complete -c corebox -n "__fish_corebox_using_subcommand jobs; and not __fish_seen_subcommand_from ls list show cancel retry watch help" -f -a "list" -d 'List your jobs still to run and those ended in the last hour'
complete -c corebox -n "__fish_corebox_using_subcommand jobs; and not __fish_seen_subcommand_from ls list show cancel retry watch help" -f -a "show" -d 'Show a job: its state, attempts, error, result and log'
complete -c corebox -n "__fish_corebox_using_subcommand jobs; and not __fish_seen_subcommand_from ls list show cancel retry watch help" -f -a "cancel" -d 'Stop a job (a running child process is killed)'
complete -c corebox -n "__fish_corebox_using_subcommand jobs; and not __fish_seen_subcommand_from ls list show cancel retry watch help" -f -a "retry" -d 'Queue a failed, dead or cancelled job again, with fresh attempts'
complete -c corebox -n "__fish_corebox_using_subcommand jobs; and not __fish_seen_subcommand_from ls list show cancel retry watch help" -f -a "watch" -d 'Show jobs live until they end (exit status 1 if any failed)'
complete -c corebox -n "__fish_corebox_using_subcommand jobs; and not __fish_seen_subcommand_from ls list show cancel retry watch help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c corebox -n "__fish_corebox_using_subcommand jobs; and __fish_seen_subcommand_from ls" -l socket -d 'The daemon\'s socket [default: $XDG_RUNTIME_DIR/corebox/corebox.sock]' -r -F
complete -c corebox -n "__fish_corebox_using_subcommand jobs; and __fish_seen_subcommand_from ls" -l all -d 'All your jobs, however long ago they ended'
complete -c corebox -n "__fish_corebox_using_subcommand jobs; and __fish_seen_subcommand_from ls" -l json -d 'Print machine-readable JSON on stdout'
complete -c corebox -n "__fish_corebox_using_subcommand jobs; and __fish_seen_subcommand_from ls" -s q -l quiet -d 'Print only the essential value; on stderr only warnings and errors'
complete -c corebox -n "__fish_corebox_using_subcommand jobs; and __fish_seen_subcommand_from ls" -s h -l help -d 'Print help'
complete -c corebox -n "__fish_corebox_using_subcommand jobs; and __fish_seen_subcommand_from ls" -s V -l version -d 'Print version'
complete -c corebox -n "__fish_corebox_using_subcommand jobs; and __fish_seen_subcommand_from list" -l socket -d 'The daemon\'s socket [default: $XDG_RUNTIME_DIR/corebox/corebox.sock]' -r -F
complete -c corebox -n "__fish_corebox_using_subcommand jobs; and __fish_seen_subcommand_from list" -l all -d 'All your jobs, however long ago they ended'
complete -c corebox -n "__fish_corebox_using_subcommand jobs; and __fish_seen_subcommand_from list" -l json -d 'Print machine-readable JSON on stdout'
complete -c corebox -n "__fish_corebox_using_subcommand jobs; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print only the essential value; on stderr only warnings and errors'
complete -c corebox -n "__fish_corebox_using_subcommand jobs; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c corebox -n "__fish_corebox_using_subcommand jobs; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c corebox -n "__fish_corebox_using_subcommand jobs; and __fish_seen_subcommand_from show" -l socket -d 'The daemon\'s socket [default: $XDG_RUNTIME_DIR/corebox/corebox.sock]' -r -F
complete -c corebox -n "__fish_corebox_using_subcommand jobs; and __fish_seen_subcommand_from show" -l json -d 'Print machine-readable JSON on stdout'
complete -c corebox -n "__fish_corebox_using_subcommand jobs; and __fish_seen_subcommand_from show" -s q -l quiet -d 'Print only the essential value; on stderr only warnings and errors'
complete -c corebox -n "__fish_corebox_using_subcommand jobs; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help'
complete -c corebox -n "__fish_corebox_using_subcommand jobs; and __fish_seen_subcommand_from show" -s V -l version -d 'Print version'
complete -c corebox -n "__fish_corebox_using_subcommand jobs; and __fish_seen_subcommand_from cancel" -l socket -d 'The daemon\'s socket [default: $XDG_RUNTIME_DIR/corebox/corebox.sock]' -r -F
complete -c corebox -n "__fish_corebox_using_subcommand jobs; and __fish_seen_subcommand_from cancel" -l json -d 'Print machine-readable JSON on stdout'
complete -c corebox -n "__fish_corebox_using_subcommand jobs; and __fish_seen_subcommand_from cancel" -s q -l quiet -d 'Print only the essential value; on stderr only warnings and errors'
complete -c corebox -n "__fish_corebox_using_subcommand jobs; and __fish_seen_subcommand_from cancel" -s h -l help -d 'Print help'
complete -c corebox -n "__fish_corebox_using_subcommand jobs; and __fish_seen_subcommand_from cancel" -s V -l version -d 'Print version'
complete -c corebox -n "__fish_corebox_using_subcommand jobs; and __fish_seen_subcommand_from retry" -l socket -d 'The daemon\'s socket [default: $XDG_RUNTIME_DIR/corebox/corebox.sock]' -r -F
complete -c corebox -n "__fish_corebox_using_subcommand jobs; and __fish_seen_subcommand_from retry" -l json -d 'Print machine-readable JSON on stdout'
complete -c corebox -n "__fish_corebox_using_subcommand jobs; and __fish_seen_subcommand_from retry" -s q -l quiet -d 'Print only the essential value; on stderr only warnings and errors'
complete -c corebox -n "__fish_corebox_using_subcommand jobs; and __fish_seen_subcommand_from retry" -s h -l help -d 'Print help'
complete -c corebox -n "__fish_corebox_using_subcommand jobs; and __fish_seen_subcommand_from retry" -s V -l version -d 'Print version'
complete -c corebox -n "__fish_corebox_using_subcommand jobs; and __fish_seen_subcommand_from watch" -l socket -d 'The daemon\'s socket [default: $XDG_RUNTIME_DIR/corebox/corebox.sock]' -r -F
complete -c corebox -n "__fish_corebox_using_subcommand jobs; and __fish_seen_subcommand_from watch" -l json -d 'Print machine-readable JSON on stdout'
complete -c corebox -n "__fish_corebox_using_subcommand jobs; and __fish_seen_subcommand_from watch" -s q -l quiet -d 'Print only the essential value; on stderr only warnings and errors'
complete -c corebox -n "__fish_corebox_using_subcommand jobs; and __fish_seen_subcommand_from watch" -s h -l help -d 'Print help'
complete -c corebox -n "__fish_corebox_using_subcommand jobs; and __fish_seen_subcommand_from watch" -s V -l version -d 'Print version'
complete -c corebox -n "__fish_corebox_using_subcommand jobs; and __fish_seen_subcommand_from help" -f -a "ls" -d 'List your jobs still to run and those ended in the last hour'
complete -c corebox -n "__fish_corebox_using_subcommand jobs; and __fish_seen_subcommand_from help" -f -a "show" -d 'Show a job: its state, attempts, error, result and log'
complete -c corebox -n "__fish_corebox_using_subcommand jobs; and __fish_seen_subcommand_from help" -f -a "cancel" -d 'Stop a job (a running child process is killed)'
complete -c corebox -n "__fish_corebox_using_subcommand jobs; and __fish_seen_subcommand_from help" -f -a "retry" -d 'Queue a failed, dead or cancelled job again, with fresh attempts'
complete -c corebox -n "__fish_corebox_using_subcommand jobs; and __fish_seen_subcommand_from help" -f -a "watch" -d 'Show jobs live until they end (exit status 1 if any failed)'
complete -c corebox -n "__fish_corebox_using_subcommand jobs; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c corebox -n "__fish_corebox_using_subcommand image; and not __fish_seen_subcommand_from resize compress thumbnail help" -l socket -d 'The daemon\'s socket [default: $XDG_RUNTIME_DIR/corebox/corebox.sock]' -r -F
complete -c corebox -n "__fish_corebox_using_subcommand image; and not __fish_seen_subcommand_from resize compress thumbnail help" -l json -d 'Print machine-readable JSON on stdout'
complete -c corebox -n "__fish_corebox_using_subcommand image; and not __fish_seen_subcommand_from resize compress thumbnail help" -s q -l quiet -d 'Print only the essential value; on stderr only warnings and errors'
complete -c corebox -n "__fish_corebox_using_subcommand image; and not __fish_seen_subcommand_from resize compress thumbnail help" -s h -l help -d 'Print help'
complete -c corebox -n "__fish_corebox_using_subcommand image; and not __fish_seen_subcommand_from resize compress thumbnail help" -s V -l version -d 'Print version'
complete -c corebox -n "__fish_corebox_using_subcommand image; and not __fish_seen_subcommand_from resize compress thumbnail help" -f -a "resize" -d 'Make a resized copy of an image (a new file; the original stays)'
complete -c corebox -n "__fish_corebox_using_subcommand image; and not __fish_seen_subcommand_from resize compress thumbnail help" -f -a "compress" -d 'Make a re-encoded, usually smaller copy of an image'
complete -c corebox -n "__fish_corebox_using_subcommand image; and not __fish_seen_subcommand_from resize compress thumbnail help" -f -a "thumbnail" -d 'Make (again) the thumbnail of an image, or a video\'s poster frame'
complete -c corebox -n "__fish_corebox_using_subcommand image; and not __fish_seen_subcommand_from resize compress thumbnail help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c corebox -n "__fish_corebox_using_subcommand image; and __fish_seen_subcommand_from resize" -l width -d 'Width in pixels, 1 to 16384' -r
complete -c corebox -n "__fish_corebox_using_subcommand image; and __fish_seen_subcommand_from resize" -l height -d 'Height in pixels, 1 to 16384' -r
complete -c corebox -n "__fish_corebox_using_subcommand image; and __fish_seen_subcommand_from resize" -l fit -d 'How the image fills the size when both are given' -r -f -a "contain\t'Inside the box, keeping the aspect ratio'
cover\t'Covering the box, keeping the aspect ratio; the overflow is cut off'
exact\t'Exactly the box, stretched'"
complete -c corebox -n "__fish_corebox_using_subcommand image; and __fish_seen_subcommand_from resize" -l format -d 'The output format [default: the input\'s]' -r -f -a "jpeg\t'JPEG, lossy'
png\t'PNG, lossless'
webp\t'WebP, lossless'"
complete -c corebox -n "__fish_corebox_using_subcommand image; and __fish_seen_subcommand_from resize" -l quality -d 'JPEG quality, 1 to 100 [default: 85]' -r
complete -c corebox -n "__fish_corebox_using_subcommand image; and __fish_seen_subcommand_from resize" -l socket -d 'The daemon\'s socket [default: $XDG_RUNTIME_DIR/corebox/corebox.sock]' -r -F
complete -c corebox -n "__fish_corebox_using_subcommand image; and __fish_seen_subcommand_from resize" -l wait -d 'Watch the job until it ends and print what it made (exit status 1 if it failed)'
complete -c corebox -n "__fish_corebox_using_subcommand image; and __fish_seen_subcommand_from resize" -l json -d 'Print machine-readable JSON on stdout'
complete -c corebox -n "__fish_corebox_using_subcommand image; and __fish_seen_subcommand_from resize" -s q -l quiet -d 'Print only the essential value; on stderr only warnings and errors'
complete -c corebox -n "__fish_corebox_using_subcommand image; and __fish_seen_subcommand_from resize" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c corebox -n "__fish_corebox_using_subcommand image; and __fish_seen_subcommand_from resize" -s V -l version -d 'Print version'
complete -c corebox -n "__fish_corebox_using_subcommand image; and __fish_seen_subcommand_from compress" -l quality -d 'JPEG quality, 1 to 100 [default: 75]' -r
complete -c corebox -n "__fish_corebox_using_subcommand image; and __fish_seen_subcommand_from compress" -l format -d 'The output format [default: jpeg]' -r -f -a "jpeg\t'JPEG, lossy'
png\t'PNG, lossless'
webp\t'WebP, lossless'"
complete -c corebox -n "__fish_corebox_using_subcommand image; and __fish_seen_subcommand_from compress" -l socket -d 'The daemon\'s socket [default: $XDG_RUNTIME_DIR/corebox/corebox.sock]' -r -F
complete -c corebox -n "__fish_corebox_using_subcommand image; and __fish_seen_subcommand_from compress" -l wait -d 'Watch the job until it ends and print what it made (exit status 1 if it failed)'
complete -c corebox -n "__fish_corebox_using_subcommand image; and __fish_seen_subcommand_from compress" -l json -d 'Print machine-readable JSON on stdout'
complete -c corebox -n "__fish_corebox_using_subcommand image; and __fish_seen_subcommand_from compress" -s q -l quiet -d 'Print only the essential value; on stderr only warnings and errors'
complete -c corebox -n "__fish_corebox_using_subcommand image; and __fish_seen_subcommand_from compress" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c corebox -n "__fish_corebox_using_subcommand image; and __fish_seen_subcommand_from compress" -s V -l version -d 'Print version'
complete -c corebox -n "__fish_corebox_using_subcommand image; and __fish_seen_subcommand_from thumbnail" -l socket -d 'The daemon\'s socket [default: $XDG_RUNTIME_DIR/corebox/corebox.sock]' -r -F
complete -c corebox -n "__fish_corebox_using_subcommand image; and __fish_seen_subcommand_from thumbnail" -l wait -d 'Watch the job until it ends and print what it made (exit status 1 if it failed)'
complete -c corebox -n "__fish_corebox_using_subcommand image; and __fish_seen_subcommand_from thumbnail" -l json -d 'Print machine-readable JSON on stdout'
complete -c corebox -n "__fish_corebox_using_subcommand image; and __fish_seen_subcommand_from thumbnail" -s q -l quiet -d 'Print only the essential value; on stderr only warnings and errors'
complete -c corebox -n "__fish_corebox_using_subcommand image; and __fish_seen_subcommand_from thumbnail" -s h -l help -d 'Print help'
complete -c corebox -n "__fish_corebox_using_subcommand image; and __fish_seen_subcommand_from thumbnail" -s V -l version -d 'Print version'
complete -c corebox -n "__fish_corebox_using_subcommand image; and __fish_seen_subcommand_from help" -f -a "resize" -d 'Make a resized copy of an image (a new file; the original stays)'
complete -c corebox -n "__fish_corebox_using_subcommand image; and __fish_seen_subcommand_from help" -f -a "compress" -d 'Make a re-encoded, usually smaller copy of an image'
complete -c corebox -n "__fish_corebox_using_subcommand image; and __fish_seen_subcommand_from help" -f -a "thumbnail" -d 'Make (again) the thumbnail of an image, or a video\'s poster frame'
complete -c corebox -n "__fish_corebox_using_subcommand image; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c corebox -n "__fish_corebox_using_subcommand import" -l name -d 'The name to store it under [default: from the server or the URL]' -r
complete -c corebox -n "__fish_corebox_using_subcommand import" -l socket -d 'The daemon\'s socket [default: $XDG_RUNTIME_DIR/corebox/corebox.sock]' -r -F
complete -c corebox -n "__fish_corebox_using_subcommand import" -l wait -d 'Watch the job until it ends and print what it made (exit status 1 if it failed)'
complete -c corebox -n "__fish_corebox_using_subcommand import" -l json -d 'Print machine-readable JSON on stdout'
complete -c corebox -n "__fish_corebox_using_subcommand import" -s q -l quiet -d 'Print only the essential value; on stderr only warnings and errors'
complete -c corebox -n "__fish_corebox_using_subcommand import" -s h -l help -d 'Print help'
complete -c corebox -n "__fish_corebox_using_subcommand import" -s V -l version -d 'Print version'
complete -c corebox -n "__fish_corebox_using_subcommand verify" -l socket -d 'The daemon\'s socket [default: $XDG_RUNTIME_DIR/corebox/corebox.sock]' -r -F
complete -c corebox -n "__fish_corebox_using_subcommand verify" -l all -d 'Check the whole store, not only your files\' content (admins)'
complete -c corebox -n "__fish_corebox_using_subcommand verify" -l wait -d 'Watch the job until it ends and print what it made (exit status 1 if it failed)'
complete -c corebox -n "__fish_corebox_using_subcommand verify" -l json -d 'Print machine-readable JSON on stdout'
complete -c corebox -n "__fish_corebox_using_subcommand verify" -s q -l quiet -d 'Print only the essential value; on stderr only warnings and errors'
complete -c corebox -n "__fish_corebox_using_subcommand verify" -s h -l help -d 'Print help'
complete -c corebox -n "__fish_corebox_using_subcommand verify" -s V -l version -d 'Print version'
complete -c corebox -n "__fish_corebox_using_subcommand passwd" -l socket -d 'The daemon\'s socket [default: $XDG_RUNTIME_DIR/corebox/corebox.sock]' -r -F
complete -c corebox -n "__fish_corebox_using_subcommand passwd" -l password-stdin -d 'Read the current password from the first line of stdin and the new one from the second, instead of prompting'
complete -c corebox -n "__fish_corebox_using_subcommand passwd" -l json -d 'Print machine-readable JSON on stdout'
complete -c corebox -n "__fish_corebox_using_subcommand passwd" -s q -l quiet -d 'Print only the essential value; on stderr only warnings and errors'
complete -c corebox -n "__fish_corebox_using_subcommand passwd" -s h -l help -d 'Print help'
complete -c corebox -n "__fish_corebox_using_subcommand passwd" -s V -l version -d 'Print version'
complete -c corebox -n "__fish_corebox_using_subcommand profile; and not __fish_seen_subcommand_from show set help" -l socket -d 'The daemon\'s socket [default: $XDG_RUNTIME_DIR/corebox/corebox.sock]' -r -F
complete -c corebox -n "__fish_corebox_using_subcommand profile; and not __fish_seen_subcommand_from show set help" -l json -d 'Print machine-readable JSON on stdout'
complete -c corebox -n "__fish_corebox_using_subcommand profile; and not __fish_seen_subcommand_from show set help" -s q -l quiet -d 'Print only the essential value; on stderr only warnings and errors'
complete -c corebox -n "__fish_corebox_using_subcommand profile; and not __fish_seen_subcommand_from show set help" -s h -l help -d 'Print help'
complete -c corebox -n "__fish_corebox_using_subcommand profile; and not __fish_seen_subcommand_from show set help" -s V -l version -d 'Print version'
complete -c corebox -n "__fish_corebox_using_subcommand profile; and not __fish_seen_subcommand_from show set help" -f -a "show" -d 'Show the profile'
complete -c corebox -n "__fish_corebox_using_subcommand profile; and not __fish_seen_subcommand_from show set help" -f -a "set" -d 'Change the display name or email (an empty value clears it)'
complete -c corebox -n "__fish_corebox_using_subcommand profile; and not __fish_seen_subcommand_from show set help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c corebox -n "__fish_corebox_using_subcommand profile; and __fish_seen_subcommand_from show" -l socket -d 'The daemon\'s socket [default: $XDG_RUNTIME_DIR/corebox/corebox.sock]' -r -F
complete -c corebox -n "__fish_corebox_using_subcommand profile; and __fish_seen_subcommand_from show" -l json -d 'Print machine-readable JSON on stdout'
complete -c corebox -n "__fish_corebox_using_subcommand profile; and __fish_seen_subcommand_from show" -s q -l quiet -d 'Print only the essential value; on stderr only warnings and errors'
complete -c corebox -n "__fish_corebox_using_subcommand profile; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help'
complete -c corebox -n "__fish_corebox_using_subcommand profile; and __fish_seen_subcommand_from show" -s V -l version -d 'Print version'
complete -c corebox -n "__fish_corebox_using_subcommand profile; and __fish_seen_subcommand_from set" -l display-name -d 'The name to display' -r
complete -c corebox -n "__fish_corebox_using_subcommand profile; and __fish_seen_subcommand_from set" -l email -d 'The contact address' -r
complete -c corebox -n "__fish_corebox_using_subcommand profile; and __fish_seen_subcommand_from set" -l socket -d 'The daemon\'s socket [default: $XDG_RUNTIME_DIR/corebox/corebox.sock]' -r -F
complete -c corebox -n "__fish_corebox_using_subcommand profile; and __fish_seen_subcommand_from set" -l json -d 'Print machine-readable JSON on stdout'
complete -c corebox -n "__fish_corebox_using_subcommand profile; and __fish_seen_subcommand_from set" -s q -l quiet -d 'Print only the essential value; on stderr only warnings and errors'
complete -c corebox -n "__fish_corebox_using_subcommand profile; and __fish_seen_subcommand_from set" -s h -l help -d 'Print help'
complete -c corebox -n "__fish_corebox_using_subcommand profile; and __fish_seen_subcommand_from set" -s V -l version -d 'Print version'
complete -c corebox -n "__fish_corebox_using_subcommand profile; and __fish_seen_subcommand_from help" -f -a "show" -d 'Show the profile'
complete -c corebox -n "__fish_corebox_using_subcommand profile; and __fish_seen_subcommand_from help" -f -a "set" -d 'Change the display name or email (an empty value clears it)'
complete -c corebox -n "__fish_corebox_using_subcommand profile; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c corebox -n "__fish_corebox_using_subcommand account; and not __fish_seen_subcommand_from delete help" -l socket -d 'The daemon\'s socket [default: $XDG_RUNTIME_DIR/corebox/corebox.sock]' -r -F
complete -c corebox -n "__fish_corebox_using_subcommand account; and not __fish_seen_subcommand_from delete help" -l json -d 'Print machine-readable JSON on stdout'
complete -c corebox -n "__fish_corebox_using_subcommand account; and not __fish_seen_subcommand_from delete help" -s q -l quiet -d 'Print only the essential value; on stderr only warnings and errors'
complete -c corebox -n "__fish_corebox_using_subcommand account; and not __fish_seen_subcommand_from delete help" -s h -l help -d 'Print help'
complete -c corebox -n "__fish_corebox_using_subcommand account; and not __fish_seen_subcommand_from delete help" -s V -l version -d 'Print version'
complete -c corebox -n "__fish_corebox_using_subcommand account; and not __fish_seen_subcommand_from delete help" -f -a "delete" -d 'Delete the account and everything it owns, then forget its login'
complete -c corebox -n "__fish_corebox_using_subcommand account; and not __fish_seen_subcommand_from delete help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c corebox -n "__fish_corebox_using_subcommand account; and __fish_seen_subcommand_from delete" -l socket -d 'The daemon\'s socket [default: $XDG_RUNTIME_DIR/corebox/corebox.sock]' -r -F
complete -c corebox -n "__fish_corebox_using_subcommand account; and __fish_seen_subcommand_from delete" -l password-stdin -d 'Read the password from the first line of stdin instead of prompting'
complete -c corebox -n "__fish_corebox_using_subcommand account; and __fish_seen_subcommand_from delete" -l yes -d 'Do not ask for confirmation (needed without a terminal)'
complete -c corebox -n "__fish_corebox_using_subcommand account; and __fish_seen_subcommand_from delete" -l json -d 'Print machine-readable JSON on stdout'
complete -c corebox -n "__fish_corebox_using_subcommand account; and __fish_seen_subcommand_from delete" -s q -l quiet -d 'Print only the essential value; on stderr only warnings and errors'
complete -c corebox -n "__fish_corebox_using_subcommand account; and __fish_seen_subcommand_from delete" -s h -l help -d 'Print help'
complete -c corebox -n "__fish_corebox_using_subcommand account; and __fish_seen_subcommand_from delete" -s V -l version -d 'Print version'
complete -c corebox -n "__fish_corebox_using_subcommand account; and __fish_seen_subcommand_from help" -f -a "delete" -d 'Delete the account and everything it owns, then forget its login'
complete -c corebox -n "__fish_corebox_using_subcommand account; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c corebox -n "__fish_corebox_using_subcommand token; and not __fish_seen_subcommand_from create ls list revoke help" -l socket -d 'The daemon\'s socket [default: $XDG_RUNTIME_DIR/corebox/corebox.sock]' -r -F
complete -c corebox -n "__fish_corebox_using_subcommand token; and not __fish_seen_subcommand_from create ls list revoke help" -l json -d 'Print machine-readable JSON on stdout'
complete -c corebox -n "__fish_corebox_using_subcommand token; and not __fish_seen_subcommand_from create ls list revoke help" -s q -l quiet -d 'Print only the essential value; on stderr only warnings and errors'
complete -c corebox -n "__fish_corebox_using_subcommand token; and not __fish_seen_subcommand_from create ls list revoke help" -s h -l help -d 'Print help'
complete -c corebox -n "__fish_corebox_using_subcommand token; and not __fish_seen_subcommand_from create ls list revoke help" -s V -l version -d 'Print version'
complete -c corebox -n "__fish_corebox_using_subcommand token; and not __fish_seen_subcommand_from create ls list revoke help" -f -a "create" -d 'Make an API token for scripts; it is shown only once'
complete -c corebox -n "__fish_corebox_using_subcommand token; and not __fish_seen_subcommand_from create ls list revoke help" -f -a "ls" -d 'List live tokens (the one in use is marked with *)'
complete -c corebox -n "__fish_corebox_using_subcommand token; and not __fish_seen_subcommand_from create ls list revoke help" -f -a "list" -d 'List live tokens (the one in use is marked with *)'
complete -c corebox -n "__fish_corebox_using_subcommand token; and not __fish_seen_subcommand_from create ls list revoke help" -f -a "revoke" -d 'Revoke a token by id'
complete -c corebox -n "__fish_corebox_using_subcommand token; and not __fish_seen_subcommand_from create ls list revoke help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c corebox -n "__fish_corebox_using_subcommand token; and __fish_seen_subcommand_from create" -l scopes -d 'Comma-separated scopes [default: every scope but account and admin]' -r
complete -c corebox -n "__fish_corebox_using_subcommand token; and __fish_seen_subcommand_from create" -l expires -d 'Lifetime, such as 30d or 12h [default: no expiry]' -r
complete -c corebox -n "__fish_corebox_using_subcommand token; and __fish_seen_subcommand_from create" -l socket -d 'The daemon\'s socket [default: $XDG_RUNTIME_DIR/corebox/corebox.sock]' -r -F
complete -c corebox -n "__fish_corebox_using_subcommand token; and __fish_seen_subcommand_from create" -l json -d 'Print machine-readable JSON on stdout'
complete -c corebox -n "__fish_corebox_using_subcommand token; and __fish_seen_subcommand_from create" -s q -l quiet -d 'Print only the essential value; on stderr only warnings and errors'
complete -c corebox -n "__fish_corebox_using_subcommand token; and __fish_seen_subcommand_from create" -s h -l help -d 'Print help'
complete -c corebox -n "__fish_corebox_using_subcommand token; and __fish_seen_subcommand_from create" -s V -l version -d 'Print version'
complete -c corebox -n "__fish_corebox_using_subcommand token; and __fish_seen_subcommand_from ls" -l socket -d 'The daemon\'s socket [default: $XDG_RUNTIME_DIR/corebox/corebox.sock]' -r -F
complete -c corebox -n "__fish_corebox_using_subcommand token; and __fish_seen_subcommand_from ls" -l json -d 'Print machine-readable JSON on stdout'
complete -c corebox -n "__fish_corebox_using_subcommand token; and __fish_seen_subcommand_from ls" -s q -l quiet -d 'Print only the essential value; on stderr only warnings and errors'
complete -c corebox -n "__fish_corebox_using_subcommand token; and __fish_seen_subcommand_from ls" -s h -l help -d 'Print help'
complete -c corebox -n "__fish_corebox_using_subcommand token; and __fish_seen_subcommand_from ls" -s V -l version -d 'Print version'
complete -c corebox -n "__fish_corebox_using_subcommand token; and __fish_seen_subcommand_from list" -l socket -d 'The daemon\'s socket [default: $XDG_RUNTIME_DIR/corebox/corebox.sock]' -r -F
complete -c corebox -n "__fish_corebox_using_subcommand token; and __fish_seen_subcommand_from list" -l json -d 'Print machine-readable JSON on stdout'
complete -c corebox -n "__fish_corebox_using_subcommand token; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print only the essential value; on stderr only warnings and errors'
complete -c corebox -n "__fish_corebox_using_subcommand token; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c corebox -n "__fish_corebox_using_subcommand token; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c corebox -n "__fish_corebox_using_subcommand token; and __fish_seen_subcommand_from revoke" -l socket -d 'The daemon\'s socket [default: $XDG_RUNTIME_DIR/corebox/corebox.sock]' -r -F
complete -c corebox -n "__fish_corebox_using_subcommand token; and __fish_seen_subcommand_from revoke" -l json -d 'Print machine-readable JSON on stdout'
complete -c corebox -n "__fish_corebox_using_subcommand token; and __fish_seen_subcommand_from revoke" -s q -l quiet -d 'Print only the essential value; on stderr only warnings and errors'
complete -c corebox -n "__fish_corebox_using_subcommand token; and __fish_seen_subcommand_from revoke" -s h -l help -d 'Print help'
complete -c corebox -n "__fish_corebox_using_subcommand token; and __fish_seen_subcommand_from revoke" -s V -l version -d 'Print version'
complete -c corebox -n "__fish_corebox_using_subcommand token; and __fish_seen_subcommand_from help" -f -a "create" -d 'Make an API token for scripts; it is shown only once'
complete -c corebox -n "__fish_corebox_using_subcommand token; and __fish_seen_subcommand_from help" -f -a "ls" -d 'List live tokens (the one in use is marked with *)'
complete -c corebox -n "__fish_corebox_using_subcommand token; and __fish_seen_subcommand_from help" -f -a "revoke" -d 'Revoke a token by id'
complete -c corebox -n "__fish_corebox_using_subcommand token; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c corebox -n "__fish_corebox_using_subcommand admin; and not __fish_seen_subcommand_from users invites help" -l socket -d 'The daemon\'s socket [default: $XDG_RUNTIME_DIR/corebox/corebox.sock]' -r -F
complete -c corebox -n "__fish_corebox_using_subcommand admin; and not __fish_seen_subcommand_from users invites help" -l json -d 'Print machine-readable JSON on stdout'
complete -c corebox -n "__fish_corebox_using_subcommand admin; and not __fish_seen_subcommand_from users invites help" -s q -l quiet -d 'Print only the essential value; on stderr only warnings and errors'
complete -c corebox -n "__fish_corebox_using_subcommand admin; and not __fish_seen_subcommand_from users invites help" -s h -l help -d 'Print help'
complete -c corebox -n "__fish_corebox_using_subcommand admin; and not __fish_seen_subcommand_from users invites help" -s V -l version -d 'Print version'
complete -c corebox -n "__fish_corebox_using_subcommand admin; and not __fish_seen_subcommand_from users invites help" -f -a "users" -d 'Manage users'
complete -c corebox -n "__fish_corebox_using_subcommand admin; and not __fish_seen_subcommand_from users invites help" -f -a "invites" -d 'Manage invite codes'
complete -c corebox -n "__fish_corebox_using_subcommand admin; and not __fish_seen_subcommand_from users invites help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c corebox -n "__fish_corebox_using_subcommand admin; and __fish_seen_subcommand_from users" -l socket -d 'The daemon\'s socket [default: $XDG_RUNTIME_DIR/corebox/corebox.sock]' -r -F
complete -c corebox -n "__fish_corebox_using_subcommand admin; and __fish_seen_subcommand_from users" -l json -d 'Print machine-readable JSON on stdout'
complete -c corebox -n "__fish_corebox_using_subcommand admin; and __fish_seen_subcommand_from users" -s q -l quiet -d 'Print only the essential value; on stderr only warnings and errors'
complete -c corebox -n "__fish_corebox_using_subcommand admin; and __fish_seen_subcommand_from users" -s h -l help -d 'Print help'
complete -c corebox -n "__fish_corebox_using_subcommand admin; and __fish_seen_subcommand_from users" -s V -l version -d 'Print version'
complete -c corebox -n "__fish_corebox_using_subcommand admin; and __fish_seen_subcommand_from users" -f -a "ls" -d 'List every account'
complete -c corebox -n "__fish_corebox_using_subcommand admin; and __fish_seen_subcommand_from users" -f -a "list" -d 'List every account'
complete -c corebox -n "__fish_corebox_using_subcommand admin; and __fish_seen_subcommand_from users" -f -a "set-role" -d 'Change a user\'s role'
complete -c corebox -n "__fish_corebox_using_subcommand admin; and __fish_seen_subcommand_from users" -f -a "disable" -d 'Disable a user: they cannot log in and their tokens stop working'
complete -c corebox -n "__fish_corebox_using_subcommand admin; and __fish_seen_subcommand_from users" -f -a "enable" -d 'Enable a disabled user again'
complete -c corebox -n "__fish_corebox_using_subcommand admin; and __fish_seen_subcommand_from users" -f -a "set-quota" -d 'Limit how much a user may store'
complete -c corebox -n "__fish_corebox_using_subcommand admin; and __fish_seen_subcommand_from users" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c corebox -n "__fish_corebox_using_subcommand admin; and __fish_seen_subcommand_from invites" -l socket -d 'The daemon\'s socket [default: $XDG_RUNTIME_DIR/corebox/corebox.sock]' -r -F
complete -c corebox -n "__fish_corebox_using_subcommand admin; and __fish_seen_subcommand_from invites" -l json -d 'Print machine-readable JSON on stdout'
complete -c corebox -n "__fish_corebox_using_subcommand admin; and __fish_seen_subcommand_from invites" -s q -l quiet -d 'Print only the essential value; on stderr only warnings and errors'
complete -c corebox -n "__fish_corebox_using_subcommand admin; and __fish_seen_subcommand_from invites" -s h -l help -d 'Print help'
complete -c corebox -n "__fish_corebox_using_subcommand admin; and __fish_seen_subcommand_from invites" -s V -l version -d 'Print version'
complete -c corebox -n "__fish_corebox_using_subcommand admin; and __fish_seen_subcommand_from invites" -f -a "create" -d 'Make an invite code; it is shown only once'
complete -c corebox -n "__fish_corebox_using_subcommand admin; and __fish_seen_subcommand_from invites" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c corebox -n "__fish_corebox_using_subcommand admin; and __fish_seen_subcommand_from help" -f -a "users" -d 'Manage users'
complete -c corebox -n "__fish_corebox_using_subcommand admin; and __fish_seen_subcommand_from help" -f -a "invites" -d 'Manage invite codes'
complete -c corebox -n "__fish_corebox_using_subcommand admin; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c corebox -n "__fish_corebox_using_subcommand help; and not __fish_seen_subcommand_from signup login logout whoami upload download ls info rename rm grant revoke-grant share shares shorten links jobs image import verify passwd profile account token admin help" -f -a "signup" -d 'Make an account and log in (the first account becomes admin)'
complete -c corebox -n "__fish_corebox_using_subcommand help; and not __fish_seen_subcommand_from signup login logout whoami upload download ls info rename rm grant revoke-grant share shares shorten links jobs image import verify passwd profile account token admin help" -f -a "login" -d 'Log in and keep the session token for later commands'
complete -c corebox -n "__fish_corebox_using_subcommand help; and not __fish_seen_subcommand_from signup login logout whoami upload download ls info rename rm grant revoke-grant share shares shorten links jobs image import verify passwd profile account token admin help" -f -a "logout" -d 'End the session and forget its token'
complete -c corebox -n "__fish_corebox_using_subcommand help; and not __fish_seen_subcommand_from signup login logout whoami upload download ls info rename rm grant revoke-grant share shares shorten links jobs image import verify passwd profile account token admin help" -f -a "whoami" -d 'Show the account and token in use'
complete -c corebox -n "__fish_corebox_using_subcommand help; and not __fish_seen_subcommand_from signup login logout whoami upload download ls info rename rm grant revoke-grant share shares shorten links jobs image import verify passwd profile account token admin help" -f -a "upload" -d 'Upload files and print their ids (or share URLs, with --share)'
complete -c corebox -n "__fish_corebox_using_subcommand help; and not __fish_seen_subcommand_from signup login logout whoami upload download ls info rename rm grant revoke-grant share shares shorten links jobs image import verify passwd profile account token admin help" -f -a "download" -d 'Download a file by id, or a share URL'
complete -c corebox -n "__fish_corebox_using_subcommand help; and not __fish_seen_subcommand_from signup login logout whoami upload download ls info rename rm grant revoke-grant share shares shorten links jobs image import verify passwd profile account token admin help" -f -a "ls" -d 'List your files and those granted to you'
complete -c corebox -n "__fish_corebox_using_subcommand help; and not __fish_seen_subcommand_from signup login logout whoami upload download ls info rename rm grant revoke-grant share shares shorten links jobs image import verify passwd profile account token admin help" -f -a "info" -d 'Show a file\'s details'
complete -c corebox -n "__fish_corebox_using_subcommand help; and not __fish_seen_subcommand_from signup login logout whoami upload download ls info rename rm grant revoke-grant share shares shorten links jobs image import verify passwd profile account token admin help" -f -a "rename" -d 'Rename a file'
complete -c corebox -n "__fish_corebox_using_subcommand help; and not __fish_seen_subcommand_from signup login logout whoami upload download ls info rename rm grant revoke-grant share shares shorten links jobs image import verify passwd profile account token admin help" -f -a "rm" -d 'Delete files'
complete -c corebox -n "__fish_corebox_using_subcommand help; and not __fish_seen_subcommand_from signup login logout whoami upload download ls info rename rm grant revoke-grant share shares shorten links jobs image import verify passwd profile account token admin help" -f -a "grant" -d 'Let another user read and download a file'
complete -c corebox -n "__fish_corebox_using_subcommand help; and not __fish_seen_subcommand_from signup login logout whoami upload download ls info rename rm grant revoke-grant share shares shorten links jobs image import verify passwd profile account token admin help" -f -a "revoke-grant" -d 'Take back a user\'s access to a file'
complete -c corebox -n "__fish_corebox_using_subcommand help; and not __fish_seen_subcommand_from signup login logout whoami upload download ls info rename rm grant revoke-grant share shares shorten links jobs image import verify passwd profile account token admin help" -f -a "share" -d 'Make a public share link for a file and print its URL'
complete -c corebox -n "__fish_corebox_using_subcommand help; and not __fish_seen_subcommand_from signup login logout whoami upload download ls info rename rm grant revoke-grant share shares shorten links jobs image import verify passwd profile account token admin help" -f -a "shares" -d 'List, revoke and inspect share links'
complete -c corebox -n "__fish_corebox_using_subcommand help; and not __fish_seen_subcommand_from signup login logout whoami upload download ls info rename rm grant revoke-grant share shares shorten links jobs image import verify passwd profile account token admin help" -f -a "shorten" -d 'Make a short link that redirects to a URL and print it'
complete -c corebox -n "__fish_corebox_using_subcommand help; and not __fish_seen_subcommand_from signup login logout whoami upload download ls info rename rm grant revoke-grant share shares shorten links jobs image import verify passwd profile account token admin help" -f -a "links" -d 'List, show, edit, remove short links and read their clicks'
complete -c corebox -n "__fish_corebox_using_subcommand help; and not __fish_seen_subcommand_from signup login logout whoami upload download ls info rename rm grant revoke-grant share shares shorten links jobs image import verify passwd profile account token admin help" -f -a "jobs" -d 'List, show, cancel, retry and watch background jobs'
complete -c corebox -n "__fish_corebox_using_subcommand help; and not __fish_seen_subcommand_from signup login logout whoami upload download ls info rename rm grant revoke-grant share shares shorten links jobs image import verify passwd profile account token admin help" -f -a "image" -d 'Resize, compress or thumbnail an image, as a background job'
complete -c corebox -n "__fish_corebox_using_subcommand help; and not __fish_seen_subcommand_from signup login logout whoami upload download ls info rename rm grant revoke-grant share shares shorten links jobs image import verify passwd profile account token admin help" -f -a "import" -d 'Have the daemon download a URL into your files, as a background job'
complete -c corebox -n "__fish_corebox_using_subcommand help; and not __fish_seen_subcommand_from signup login logout whoami upload download ls info rename rm grant revoke-grant share shares shorten links jobs image import verify passwd profile account token admin help" -f -a "verify" -d 'Re-hash stored content against its address, as a background job'
complete -c corebox -n "__fish_corebox_using_subcommand help; and not __fish_seen_subcommand_from signup login logout whoami upload download ls info rename rm grant revoke-grant share shares shorten links jobs image import verify passwd profile account token admin help" -f -a "passwd" -d 'Change the password (ends every other session)'
complete -c corebox -n "__fish_corebox_using_subcommand help; and not __fish_seen_subcommand_from signup login logout whoami upload download ls info rename rm grant revoke-grant share shares shorten links jobs image import verify passwd profile account token admin help" -f -a "profile" -d 'Show or change the profile'
complete -c corebox -n "__fish_corebox_using_subcommand help; and not __fish_seen_subcommand_from signup login logout whoami upload download ls info rename rm grant revoke-grant share shares shorten links jobs image import verify passwd profile account token admin help" -f -a "account" -d 'Manage the account'
complete -c corebox -n "__fish_corebox_using_subcommand help; and not __fish_seen_subcommand_from signup login logout whoami upload download ls info rename rm grant revoke-grant share shares shorten links jobs image import verify passwd profile account token admin help" -f -a "token" -d 'Manage API tokens for scripts'
complete -c corebox -n "__fish_corebox_using_subcommand help; and not __fish_seen_subcommand_from signup login logout whoami upload download ls info rename rm grant revoke-grant share shares shorten links jobs image import verify passwd profile account token admin help" -f -a "admin" -d 'Administer users and invites (admins only)'
complete -c corebox -n "__fish_corebox_using_subcommand help; and not __fish_seen_subcommand_from signup login logout whoami upload download ls info rename rm grant revoke-grant share shares shorten links jobs image import verify passwd profile account token admin help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c corebox -n "__fish_corebox_using_subcommand help; and __fish_seen_subcommand_from shares" -f -a "ls" -d 'List your live share links (-q: their URLs)'
complete -c corebox -n "__fish_corebox_using_subcommand help; and __fish_seen_subcommand_from shares" -f -a "revoke" -d 'End a share link at once'
complete -c corebox -n "__fish_corebox_using_subcommand help; and __fish_seen_subcommand_from shares" -f -a "stats" -d 'Show a share link\'s downloads: counts, bytes and recent visitors'
complete -c corebox -n "__fish_corebox_using_subcommand help; and __fish_seen_subcommand_from links" -f -a "ls" -d 'List your short links (-q: their URLs)'
complete -c corebox -n "__fish_corebox_using_subcommand help; and __fish_seen_subcommand_from links" -f -a "show" -d 'Show a short link\'s target, limits and clicks'
complete -c corebox -n "__fish_corebox_using_subcommand help; and __fish_seen_subcommand_from links" -f -a "edit" -d 'Change where a short link goes, or its limits; visitors see the change at once'
complete -c corebox -n "__fish_corebox_using_subcommand help; and __fish_seen_subcommand_from links" -f -a "rm" -d 'Remove a short link and its clicks; it stops at once'
complete -c corebox -n "__fish_corebox_using_subcommand help; and __fish_seen_subcommand_from links" -f -a "stats" -d 'Show a short link\'s clicks: per day, unique visitors, referrers, browsers and bots'
complete -c corebox -n "__fish_corebox_using_subcommand help; and __fish_seen_subcommand_from jobs" -f -a "ls" -d 'List your jobs still to run and those ended in the last hour'
complete -c corebox -n "__fish_corebox_using_subcommand help; and __fish_seen_subcommand_from jobs" -f -a "show" -d 'Show a job: its state, attempts, error, result and log'
complete -c corebox -n "__fish_corebox_using_subcommand help; and __fish_seen_subcommand_from jobs" -f -a "cancel" -d 'Stop a job (a running child process is killed)'
complete -c corebox -n "__fish_corebox_using_subcommand help; and __fish_seen_subcommand_from jobs" -f -a "retry" -d 'Queue a failed, dead or cancelled job again, with fresh attempts'
complete -c corebox -n "__fish_corebox_using_subcommand help; and __fish_seen_subcommand_from jobs" -f -a "watch" -d 'Show jobs live until they end (exit status 1 if any failed)'
complete -c corebox -n "__fish_corebox_using_subcommand help; and __fish_seen_subcommand_from image" -f -a "resize" -d 'Make a resized copy of an image (a new file; the original stays)'
complete -c corebox -n "__fish_corebox_using_subcommand help; and __fish_seen_subcommand_from image" -f -a "compress" -d 'Make a re-encoded, usually smaller copy of an image'
complete -c corebox -n "__fish_corebox_using_subcommand help; and __fish_seen_subcommand_from image" -f -a "thumbnail" -d 'Make (again) the thumbnail of an image, or a video\'s poster frame'
complete -c corebox -n "__fish_corebox_using_subcommand help; and __fish_seen_subcommand_from profile" -f -a "show" -d 'Show the profile'
complete -c corebox -n "__fish_corebox_using_subcommand help; and __fish_seen_subcommand_from profile" -f -a "set" -d 'Change the display name or email (an empty value clears it)'
complete -c corebox -n "__fish_corebox_using_subcommand help; and __fish_seen_subcommand_from account" -f -a "delete" -d 'Delete the account and everything it owns, then forget its login'
complete -c corebox -n "__fish_corebox_using_subcommand help; and __fish_seen_subcommand_from token" -f -a "create" -d 'Make an API token for scripts; it is shown only once'
complete -c corebox -n "__fish_corebox_using_subcommand help; and __fish_seen_subcommand_from token" -f -a "ls" -d 'List live tokens (the one in use is marked with *)'
complete -c corebox -n "__fish_corebox_using_subcommand help; and __fish_seen_subcommand_from token" -f -a "revoke" -d 'Revoke a token by id'
complete -c corebox -n "__fish_corebox_using_subcommand help; and __fish_seen_subcommand_from admin" -f -a "users" -d 'Manage users'
complete -c corebox -n "__fish_corebox_using_subcommand help; and __fish_seen_subcommand_from admin" -f -a "invites" -d 'Manage invite codes'
