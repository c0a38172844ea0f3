#!/bin/sh
# Applies each patches/<package>+<version>.patch to node_modules/<package>;
# package.json's postinstall runs it after every `npm ci` / `npm install`.
# A patch is for one exact version: when another version is installed it
# stops the install, so an upgrade is a decision (drop the patch if the new
# version has the fix, else refresh it). Applying twice changes nothing.
# git apply rather than patch(1): git is on every machine that builds this.
set -eu
cd "$(dirname "$0")/.."
for p in patches/*.patch; do
	[ -e "$p" ] || continue
	name=$(basename "$p" .patch)
	pkg=${name%+*}
	want=${name##*+}
	dir=node_modules/$pkg
	have=$(node -p "require('./$dir/package.json').version")
	if [ "$have" != "$want" ]; then
		echo "patches: $p is for $pkg $want, but $pkg $have is installed: refresh or remove the patch" >&2
		exit 1
	fi
	if git apply --check -R --directory="$dir" "$p" 2>/dev/null; then
		continue # already applied
	fi
	git apply --directory="$dir" "$p"
	echo "patches: applied $p"
done
