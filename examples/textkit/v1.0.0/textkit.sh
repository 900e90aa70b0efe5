# textkit: small text helpers for shell scripts.
# Source it, then call the functions:  . .graft/textkit/textkit.sh

# tk_upper TEXT...: print TEXT in capitals
tk_upper() {
	printf '%s\n' "$*" | tr '[:lower:]' '[:upper:]'
}
