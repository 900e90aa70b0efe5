# textkit: small text helpers for shell scripts.
# Source it, then call the functions:  . .graft/textkit/textkit.sh

# tk_shout TEXT...: print TEXT in capitals, with feeling
# (tk_upper before 2.0.0)
tk_shout() {
	printf '%s!\n' "$*" | tr '[:lower:]' '[:upper:]'
}

# tk_lower TEXT...: print TEXT in small letters
tk_lower() {
	printf '%s\n' "$*" | tr '[:upper:]' '[:lower:]'
}
