# bash completion for git-graft(1)                        -*- shell-script -*-
#
# `git graft <TAB>`: git's own completion calls _git_graft, and loads this
# file for it on demand from .../bash-completion/completions/git-graft.
# `git-graft <TAB>`: registered at the end of this file.
#
# git-extras ships another git-graft, and its completion defines another
# _git_graft. Whichever file is loaded last defines it: this one, loaded
# after git-extras' file, wins; git loads this one on demand only while no
# _git_graft is defined, so with git-extras' completion loaded first,
# source this file after it. Nothing else is redefined here: the private
# functions are __git_graft_*, and git's helpers (__gitcomp, __gitcomp_nl,
# __git_complete) are only called.
#
# Dependency and command names are read from graft.ini files with sed;
# no file is ever sourced or evaluated.

__git_graft_commands="init add remove resolve sync fetch status changes show
	upgrade apply rollback log validate lint run help"

# The options of each command ("" for none).
__git_graft_options ()
{
	case "$1" in
	init|fetch)	echo "--quiet" ;;
	add)		echo "--no-resolve --quiet" ;;
	remove)		echo "--force --keep-files --quiet" ;;
	resolve|sync)	echo "--force --quiet" ;;
	status)		echo "--fetch --json" ;;
	changes)	echo "--from --to --type --breaking --json" ;;
	show)		echo "--in --to --json --field" ;;
	upgrade)
		# as git's for rebase: a stopped one takes only the ways on
		if __git_graft_stopped; then
			echo "--continue --skip --abort --quiet --json"
		else
			echo "--all --to --dry-run --skip-migration --skip-verify
				--autostash --timeout --allow-downgrade --no-verify
				--gpg-sign --no-gpg-sign --stop-on-failure --stepwise
				--commit-per-change --quiet --json"
		fi ;;
	apply)		echo "--to --force --quiet" ;;
	rollback)	echo "--list --json --quiet --gpg-sign --no-gpg-sign" ;;
	log)		echo "--max-count --json" ;;
	validate|lint)	echo "--json" ;;
	run)		echo "--verbose --json" ;;
	help)		echo "--man" ;;
	esac
}

# What `show --field` prints.
__git_graft_fields="ref commit type description migration verify
	migration.name migration.run migration.description
	migration.working_dir migration.timeout migration.env verify.name
	verify.run verify.description verify.working_dir verify.timeout
	verify.env"

# git, run where the command line says: `git -C <dir> graft` and
# `git graft -C <dir>` both count.
__git_graft_git ()
{
	git ${graft_C[@]+"${graft_C[@]}"} \
		${__git_dir:+--git-dir="$__git_dir"} "$@" 2>/dev/null
}

__git_graft_top ()
{
	__git_graft_git rev-parse --show-toplevel
}

# Whether an upgrade is stopped in this worktree ($GIT_DIR/graft/stopped).
__git_graft_stopped ()
{
	local dir
	dir="$(__git_graft_git rev-parse --absolute-git-dir)" &&
	[ -f "$dir/graft/stopped" ]
}

# The names of the [<kind> "<name>"] sections of the INI file $2, one a
# line; only names git-graft accepts.
__git_graft_sections ()
{
	[ -f "$2" ] &&
	sed -n "s/^[[:space:]]*\[$1[[:space:]][[:space:]]*\"\([A-Za-z0-9][A-Za-z0-9._-]*\)\"[[:space:]]*\].*/\1/p" \
		"$2" 2>/dev/null
}

# A dependency name that is safe to build a path from.
__git_graft_is_name ()
{
	[[ $1 =~ ^[A-Za-z0-9][A-Za-z0-9._-]*$ && $1 != *..* ]]
}

# The dependencies graft.ini declares.
__git_graft_deps ()
{
	local top
	top="$(__git_graft_top)" || return
	__git_graft_sections dependency "$top/graft.ini"
}

# The tags and branches of dependency $1, as --to and --from take them:
# its source's branches are known as origin/<branch>.
__git_graft_refs ()
{
	local top dir
	__git_graft_is_name "$1" || return
	top="$(__git_graft_top)" || return
	dir="$top/.graft/$1"
	# without its own .git, git would list the project's refs instead
	[ -e "$dir/.git" ] || return
	{
		git -C "$dir" for-each-ref --format='%(refname:strip=2)' \
			refs/tags refs/heads
		git -C "$dir" for-each-ref --format='%(refname:strip=3)' \
			refs/remotes/origin
	} 2>/dev/null | sed '/^HEAD$/d' | sort -u
}

# The commands `run` takes: the project's own, then each dependency's as
# <dependency>:<command>, read from the graft.ini in its checkout.
__git_graft_run_commands ()
{
	local top dep cmd
	top="$(__git_graft_top)" || return
	__git_graft_sections command "$top/graft.ini"
	for dep in $(__git_graft_sections dependency "$top/graft.ini"); do
		for cmd in $(__git_graft_sections command "$top/.graft/$dep/graft.ini"); do
			echo "$dep:$cmd"
		done
	done
}

# The arguments of the command, options and their values left out, but
# the word being completed; one a line.
__git_graft_args ()
{
	local c=$((sub_idx + 1)) word
	while [ $c -lt ${#words[@]} ]; do
		word="${words[c]}"
		case "$word" in
		--to|--from|--in|--type|--field|--timeout|--max-count|-n)
			((c++))
			;;
		-*)
			;;
		*)
			[ $c -eq $cword ] || [ -z "$word" ] || echo "$word"
			;;
		esac
		((c++))
	done
}

# Complete what follows the separator $1 in cur from the list $2. Where
# the separator breaks words (COMP_WORDBREAKS), bash replaces only what
# follows it.
__git_graft_comp_after ()
{
	local pfx="${cur%%"$1"*}$1"
	case "$COMP_WORDBREAKS" in
	*"$1"*) pfx= ;;
	esac
	__gitcomp_nl "$2" "$pfx" "${cur#*"$1"}"
}

# The <dependency>@<ref> of show. git's completion splits words at '@':
# "kb@" reaches us as "kb" "@", and "kb@v2" as "kb" "@" "v2".
__git_graft_complete_show ()
{
	if [ "$cur" = "@" ]; then
		__gitcomp_nl "$(__git_graft_refs "$prev")" "" ""
	elif [ "$prev" = "@" ]; then
		__gitcomp_nl "$(__git_graft_refs "${words[cword - 2]}")"
	elif [[ $cur == *@* ]]; then
		__gitcomp_nl "$(__git_graft_refs "${cur%%@*}")" "${cur%%@*}@" \
			"${cur#*@}"
	elif [ -z "$(__git_graft_args)" ]; then
		__gitcomp_nl "$(__git_graft_deps)" "" "$cur" "@"
	fi
}

# The commands of run, and of the <dependency>:<command> short form.
__git_graft_complete_run ()
{
	local dep top
	case "$cur" in
	*:*)
		dep="${cur%%:*}"
		__git_graft_is_name "$dep" || return
		top="$(__git_graft_top)" || return
		__git_graft_comp_after : \
			"$(__git_graft_sections command "$top/.graft/$dep/graft.ini")"
		;;
	*)
		__gitcomp_nl "$(__git_graft_run_commands)"
		;;
	esac
}

# The dependency the refs of --to, --from and --in are of: the first
# argument, or what precedes the '@' of show's <dependency>@<ref>.
__git_graft_named_dependency ()
{
	local dep
	dep="$(__git_graft_args | head -n 1)"
	echo "${dep%%@*}"
}

# The value of the option in prev, or of --<option>=<value> in cur; 1 if
# neither is being completed.
__git_graft_complete_value ()
{
	case "$prev" in
	--to|--from|--in)
		__gitcomp_nl "$(__git_graft_refs "$(__git_graft_named_dependency)")"
		return
		;;
	--type)
		__gitcomp "breaking feature fix security"
		return
		;;
	--field)
		__gitcomp "$__git_graft_fields"
		return
		;;
	--timeout|--max-count|-n)
		# a number: nothing to offer
		return
		;;
	esac
	case "$cur" in
	--to=*|--from=*|--in=*)
		__gitcomp_nl "$(__git_graft_refs "$(__git_graft_named_dependency)")" \
			"" "${cur#*=}"
		;;
	--type=*)
		__gitcomp "breaking feature fix security" "" "${cur#--type=}"
		;;
	--field=*)
		__gitcomp "$__git_graft_fields" "" "${cur#--field=}"
		;;
	--color=*)
		__gitcomp "always never auto" "" "${cur#--color=}"
		;;
	*)
		return 1
		;;
	esac
}

_git_graft ()
{
	local subcommand= sub_idx= c=$((__git_cmd_idx + 1))
	local -a graft_C=(${__git_C_args[@]+"${__git_C_args[@]}"})

	# the options before the command, the command
	while [ $c -lt $cword ]; do
		case "${words[c]}" in
		-C)
			((c++))
			graft_C+=(-C "${words[c]}")
			;;
		-*)
			;;
		*)
			subcommand="${words[c]}"
			sub_idx=$c
			break
			;;
		esac
		((c++))
	done

	if [ -z "$subcommand" ]; then
		case "$prev,$cur" in
		-C,*)
			# a directory: bash's own completion
			;;
		*,--color=*)
			__gitcomp "always never auto" "" "${cur#--color=}"
			;;
		*,-*)
			__gitcomp "--version --color= --no-color --paginate --no-pager --help -C"
			;;
		*,*:*)
			__git_graft_complete_run
			;;
		*)
			__gitcomp "$__git_graft_commands"
			;;
		esac
		return
	fi

	case "$subcommand" in
	*:*)
		# `git graft <dependency>:<command> [<args>...]`: its own arguments
		return
		;;
	run)
		# options after the command's name are the command's own
		[ -n "$(__git_graft_args)" ] && return
		;;
	esac

	__git_graft_complete_value && return

	case "$cur" in
	-*)
		__gitcomp "$(__git_graft_options "$subcommand")"
		return
		;;
	esac

	case "$subcommand" in
	upgrade)
		if __git_graft_stopped; then
			__gitcomp "--continue --skip --abort"
		elif [ -z "$(__git_find_on_cmdline "--all")" ]; then
			__gitcomp_nl "$(__git_graft_deps)"
		fi
		;;
	fetch|sync)
		__gitcomp_nl "$(__git_graft_deps)"
		;;
	remove|status|changes|apply|rollback|log)
		[ -z "$(__git_graft_args)" ] &&
		__gitcomp_nl "$(__git_graft_deps)"
		;;
	show)
		__git_graft_complete_show
		;;
	run)
		__git_graft_complete_run
		;;
	validate)
		[ -z "$(__git_graft_args)" ] &&
		__gitcomp "config lock integrity all"
		;;
	help)
		[ -z "$(__git_graft_args)" ] &&
		__gitcomp "$__git_graft_commands"
		;;
	esac
}

# `git-graft <TAB>` typed directly: through git's completion, as git's own
# commands are, loading it first when bash-completion can.
__git_graft_direct ()
{
	if declare -F __git_func_wrap >/dev/null; then
		__git_func_wrap _git_graft
	else
		# no git completion at all: only the commands
		COMPREPLY=()
		[ "$COMP_CWORD" -eq 1 ] &&
		COMPREPLY=($(compgen -S " " -W "$__git_graft_commands" \
			-- "${COMP_WORDS[1]}"))
	fi
}

if ! declare -F __git_complete >/dev/null &&
   declare -F __load_completion >/dev/null; then
	__load_completion git
fi
if declare -F __git_complete >/dev/null; then
	__git_complete git-graft _git_graft
else
	# this file was sourced before git's completion, or there is none
	complete -o bashdefault -o default -o nospace \
		-F __git_graft_direct git-graft 2>/dev/null ||
	complete -o default -o nospace -F __git_graft_direct git-graft
fi
