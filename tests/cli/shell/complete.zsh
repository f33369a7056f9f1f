# Type "$1" and TAB into an interactive zsh (ZDOTDIR holds the zshrc above) and print what it
# shows; the zshrc makes that shell exit after one completion.
zmodload zsh/zpty || exit 3
zpty shell zsh -i
zpty -w -n shell "$1"$'\t'
local line
while zpty -r shell line; do
    print -rn -- "$line"
done
