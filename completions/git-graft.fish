# fish completion for git-graft(1)
#
# Installed as vendor_completions.d/git-graft.fish, it completes
# `git-graft <TAB>`, and fish's git completion hands `git graft <TAB>`
# over to it. fish 3.6.0 (Debian 12) does not: there the rule for git at
# the end of this file does it, once this file is loaded; see
# git-graft(1), SHELL COMPLETION.
#
# Dependency and command names are read from graft.ini files with
# `string match`; no file is ever sourced or evaluated.

# The git-graft command on the line, and its arguments: one a line.
function __fish_git_graft_command_args
    set -l words (commandline -opc)
    set -e words[1]
    while set -q words[1]
        switch $words[1]
            case -C
                set -e words[1]
            case '-*'
            case '*'
                printf '%s\n' $words
                return 0
        end
        set -e words[1]
    end
    return 1
end

function __fish_git_graft_needs_command
    not __fish_git_graft_command_args >/dev/null
end

# True when the command is one of the arguments.
function __fish_git_graft_using
    set -l cmd (__fish_git_graft_command_args)[1]
    or return 1
    contains -- $cmd $argv
end

# The arguments of the command, options and their values left out.
function __fish_git_graft_args
    set -l words (__fish_git_graft_command_args)
    set -e words[1]
    while set -q words[1]
        switch $words[1]
            case --to --from --in --type --field --timeout --max-count -n
                set -e words[1]
            case '-*'
            case '*'
                printf '%s\n' $words[1]
        end
        set -e words[1]
    end
end

# True when the command is one of the arguments and has no argument yet.
function __fish_git_graft_needs_arg
    __fish_git_graft_using $argv; or return
    set -l args (__fish_git_graft_args)
    not set -q args[1]
end

# git, run where the command line says: git-graft -C <dir>.
function __fish_git_graft_git
    set -l dir
    set -l words (commandline -opc)
    while set -q words[1]
        if test "$words[1]" = -C; and set -q words[2]
            set -a dir -C $words[2]
        end
        set -e words[1]
    end
    command git $dir $argv 2>/dev/null
end

function __fish_git_graft_top
    __fish_git_graft_git rev-parse --show-toplevel
end

# Whether an upgrade is stopped in this worktree ($GIT_DIR/graft/stopped).
function __fish_git_graft_stopped
    set -l dir (__fish_git_graft_git rev-parse --absolute-git-dir); or return
    test -f $dir/graft/stopped
end

# upgrade, to start one; as for git rebase, a stopped one takes only the ways on.
function __fish_git_graft_upgrading
    __fish_git_graft_using upgrade; and not __fish_git_graft_stopped
end

function __fish_git_graft_resuming
    __fish_git_graft_using upgrade; and __fish_git_graft_stopped
end

# The names of the [<kind> "<name>"] sections of the INI file $argv[2];
# only names git-graft accepts.
function __fish_git_graft_sections
    test -f $argv[2]; or return
    string match -rg -- '^\s*\['$argv[1]'\s+"([A-Za-z0-9][A-Za-z0-9._-]*)"\s*\]' <$argv[2]
end

function __fish_git_graft_is_name
    string match -qr -- '^[A-Za-z0-9][A-Za-z0-9._-]*$' $argv[1]
    and not string match -q -- '*..*' $argv[1]
end

function __fish_git_graft_deps
    set -l top (__fish_git_graft_top); or return
    __fish_git_graft_sections dependency $top/graft.ini
end

# The tags and branches of dependency $argv[1], as --to and --from take
# them: its source's branches are known as origin/<branch>.
function __fish_git_graft_refs
    __fish_git_graft_is_name $argv[1]; or return
    set -l top (__fish_git_graft_top); or return
    set -l dir $top/.graft/$argv[1]
    # without its own .git, git would list the project's refs instead
    test -e $dir/.git; or return
    command git -C $dir for-each-ref --format='%(refname:strip=2)' refs/tags 2>/dev/null |
        string replace -r '$' '\tTag'
    begin
        command git -C $dir for-each-ref --format='%(refname:strip=2)' refs/heads
        command git -C $dir for-each-ref --format='%(refname:strip=3)' refs/remotes/origin
    end 2>/dev/null | string match -v HEAD | sort -u | string replace -r '$' '\tBranch'
end

# The refs of the dependency the command line names (for show, what
# precedes the '@').
function __fish_git_graft_dep_refs
    set -l args (__fish_git_graft_args)
    set -q args[1]; or return
    __fish_git_graft_refs (string split -m 1 @ -- $args[1])[1]
end

# <dependency>@<ref>, for show.
function __fish_git_graft_change_specs
    set -l cur (commandline -ct)
    if string match -q -- '*@*' $cur
        set -l dep (string split -m 1 @ -- $cur)[1]
        __fish_git_graft_refs $dep | string replace -r '^' "$dep@"
    else
        __fish_git_graft_deps | string replace -r '$' '@\tDependency'
    end
end

# The commands of run: the project's own, and <dependency>:<command> from
# the graft.ini in each dependency's checkout.
function __fish_git_graft_run_commands
    set -l top (__fish_git_graft_top); or return
    __fish_git_graft_sections command $top/graft.ini | string replace -r '$' '\tCommand'
    for dep in (__fish_git_graft_sections dependency $top/graft.ini)
        __fish_git_graft_sections command $top/.graft/$dep/graft.ini |
            string replace -r '(.*)' "$dep:\$1\tCommand of $dep"
    end
end

set -l types breaking feature fix security
set -l fields ref commit type description migration verify \
    {migration,verify}.{name,run,description,working_dir,timeout,env}

complete -c git-graft -f

# before the command
complete -c git-graft -n __fish_git_graft_needs_command -l version -d 'Print the version'
complete -c git-graft -n __fish_git_graft_needs_command -s C -x -a '(__fish_complete_directories)' -d 'Run as if started in the directory'
complete -c git-graft -s h -l help -d 'Show the usage, or the manual'
complete -c git-graft -l color -x -a 'always never auto' -d 'Colour the output'
complete -c git-graft -l no-color -d 'Do not colour the output'
complete -c git-graft -n __fish_git_graft_needs_command -s p -l paginate -d 'Page the output on a terminal'
complete -c git-graft -n __fish_git_graft_needs_command -s P -l no-pager -d 'Do not page the output'

# the commands
complete -c git-graft -n __fish_git_graft_needs_command -a init -d 'Write a commented graft.ini if there is none'
complete -c git-graft -n __fish_git_graft_needs_command -a add -d 'Declare a dependency and clone it under .graft/'
complete -c git-graft -n __fish_git_graft_needs_command -a remove -d 'Remove a dependency (the inverse of add)'
complete -c git-graft -n __fish_git_graft_needs_command -a resolve -d 'Clone, fetch, lock and check out every dependency'
complete -c git-graft -n __fish_git_graft_needs_command -a sync -d 'Check dependencies out at their locked commits'
complete -c git-graft -n __fish_git_graft_needs_command -a fetch -d 'Fetch dependencies from their sources'
complete -c git-graft -n __fish_git_graft_needs_command -a status -d 'Show dependencies, updates and warnings'
complete -c git-graft -n __fish_git_graft_needs_command -a changes -d 'List the changes a dependency declares'
complete -c git-graft -n __fish_git_graft_needs_command -a show -d 'Show one change and its commands'
complete -c git-graft -n __fish_git_graft_needs_command -a upgrade -d 'Upgrade dependencies atomically'
complete -c git-graft -n __fish_git_graft_needs_command -a apply -d 'Move a dependency without running migrations'
complete -c git-graft -n __fish_git_graft_needs_command -a rollback -d 'Restore an interrupted upgrade or undo one'
complete -c git-graft -n __fish_git_graft_needs_command -a log -d 'Show the history of upgrades and rollbacks'
complete -c git-graft -n __fish_git_graft_needs_command -a validate -d 'Check graft.ini, graft.lock and checkouts'
complete -c git-graft -n __fish_git_graft_needs_command -a lint -d "Check a dependency's graft.ini in its own repository"
complete -c git-graft -n __fish_git_graft_needs_command -a run -d 'Run a command declared in a graft.ini'
complete -c git-graft -n __fish_git_graft_needs_command -a help -d 'Show help for git-graft or one command'
# git graft <dependency>:<command>, short for run
complete -c git-graft -n '__fish_git_graft_needs_command; and string match -q -- "*:*" (commandline -ct)' -a '(__fish_git_graft_run_commands)'

# --quiet
complete -c git-graft -n '__fish_git_graft_using init add remove resolve sync fetch upgrade apply rollback' -s q -l quiet -d 'Print nothing but errors'
# --force
complete -c git-graft -n '__fish_git_graft_using remove' -s f -l force -d 'Delete it even with uncommitted or unpushed work in it'
complete -c git-graft -n '__fish_git_graft_using resolve sync apply' -s f -l force -d 'Discard uncommitted changes in the dependencies'
# --json
complete -c git-graft -n '__fish_git_graft_using status changes show upgrade rollback log validate lint run' -l json -d 'Print JSON'

# dependency names
complete -c git-graft -n '__fish_git_graft_using fetch sync' -a '(__fish_git_graft_deps)' -d Dependency
complete -c git-graft -n '__fish_git_graft_upgrading; and not __fish_seen_argument -l all' -a '(__fish_git_graft_deps)' -d Dependency
complete -c git-graft -n '__fish_git_graft_needs_arg remove status changes apply rollback log' -a '(__fish_git_graft_deps)' -d Dependency

# add
complete -c git-graft -n '__fish_git_graft_using add' -l no-resolve -d 'Only declare it in graft.ini'
# remove
complete -c git-graft -n '__fish_git_graft_using remove' -l keep-files -d 'Leave .graft/<name> and its repository on disk'
# status
complete -c git-graft -n '__fish_git_graft_using status' -l fetch -d 'Fetch the dependencies first'
# changes
complete -c git-graft -n '__fish_git_graft_using changes' -l from -x -a '(__fish_git_graft_dep_refs)' -d 'Start after this ref'
complete -c git-graft -n '__fish_git_graft_using changes' -l to -x -a '(__fish_git_graft_dep_refs)' -d 'End at this ref'
complete -c git-graft -n '__fish_git_graft_using changes' -l type -x -a "$types" -d 'Only changes of this type'
complete -c git-graft -n '__fish_git_graft_using changes' -l breaking -d 'Only breaking changes'
# show
complete -c git-graft -n '__fish_git_graft_needs_arg show' -a '(__fish_git_graft_change_specs)'
complete -c git-graft -n '__fish_git_graft_using show' -l field -x -a "$fields" -d "Print one field's value"
complete -c git-graft -n '__fish_git_graft_using show' -l in -x -a '(__fish_git_graft_dep_refs)' -d 'The change as the graft.ini of this ref declares it'
complete -c git-graft -n '__fish_git_graft_using show' -l to -x -a '(__fish_git_graft_dep_refs)' -d 'The same as --in'
# upgrade
complete -c git-graft -n __fish_git_graft_upgrading -l all -d 'Upgrade every declared dependency'
complete -c git-graft -n '__fish_git_graft_using upgrade apply' -l to -x -a '(__fish_git_graft_dep_refs)' -d 'The branch, tag or commit to move to'
complete -c git-graft -n __fish_git_graft_upgrading -l dry-run -d 'Show the plan and the commands; change nothing'
complete -c git-graft -n __fish_git_graft_upgrading -l skip-migration -d 'Do not run the migrations'
complete -c git-graft -n __fish_git_graft_upgrading -l skip-verify -d 'Do not run the verifications'
complete -c git-graft -n __fish_git_graft_upgrading -l autostash -d 'Put uncommitted changes aside, bring them back after'
complete -c git-graft -n __fish_git_graft_upgrading -l timeout -x -d 'Time limit of every command, in seconds'
complete -c git-graft -n __fish_git_graft_upgrading -l allow-downgrade -d 'Go to an older commit of the dependency too'
complete -c git-graft -n __fish_git_graft_upgrading -l no-verify -d 'Bypass the pre-commit and commit-msg hooks'
complete -c git-graft -n '__fish_git_graft_using upgrade rollback' -s S -l gpg-sign -d 'Sign the commit (optionally with this key: --gpg-sign=<key-id>)'
complete -c git-graft -n '__fish_git_graft_using upgrade rollback' -l no-gpg-sign -d 'Do not sign the commit'
complete -c git-graft -n __fish_git_graft_upgrading -l stop-on-failure -d 'Stop at a failing command for you to fix, instead of going back'
complete -c git-graft -n __fish_git_graft_upgrading -l stepwise -d "Check the dependency out at each change's commit for its commands"
complete -c git-graft -n __fish_git_graft_upgrading -l commit-per-change -d 'Make a commit for each change'
complete -c git-graft -n __fish_git_graft_resuming -l continue -d 'Go on with the stopped upgrade once fixed'
complete -c git-graft -n __fish_git_graft_resuming -l skip -d 'Go on without the rest of the stopped change'
complete -c git-graft -n __fish_git_graft_resuming -l abort -d 'Put everything back as it was before the stopped upgrade'
# rollback
complete -c git-graft -n '__fish_git_graft_using rollback' -l list -d 'Show what can be rolled back'
# log
complete -c git-graft -n '__fish_git_graft_using log' -s n -l max-count -x -d 'Show at most this many entries'
# validate
complete -c git-graft -n '__fish_git_graft_needs_arg validate' -a 'config lock integrity all'
# run: the command, then its own arguments (files)
complete -c git-graft -n '__fish_git_graft_needs_arg run' -s v -l verbose -d 'List each command whole: script, working_dir, timeout, env'
complete -c git-graft -n '__fish_git_graft_needs_arg run' -a '(__fish_git_graft_run_commands)'
complete -c git-graft -n '__fish_git_graft_using run; and not __fish_git_graft_needs_arg run' -F
# help
complete -c git-graft -n '__fish_git_graft_using help' -s m -l man -d 'Open the manual page git-graft(1)'
complete -c git-graft -n '__fish_git_graft_needs_arg help' -a 'init add remove resolve sync fetch status changes show upgrade apply rollback log validate lint run help'

# `git graft <TAB>`, as git-graft's: what fish's git completion does for
# every git-* program, but fish 3.6.0's.
function __fish_git_graft_in_git
    set -l words (commandline -opc)
    set -e words[1]
    while set -q words[1]
        switch $words[1]
            case -C -c --git-dir --work-tree --namespace
                set -e words[1]
            case '-*'
            case graft
                return 0
            case '*'
                return 1
        end
        set -e words[1]
    end
    return 1
end

function __fish_git_graft_from_git
    set -l words (commandline -opc)
    set -l i (contains -i -- graft $words)
    set -e words[1..$i]
    complete -C (string join ' ' -- git-graft $words (commandline -ct))
end

complete -c git -f -n __fish_git_graft_in_git -a '(__fish_git_graft_from_git)'
