#!/bin/sh
# The deno binary for `deno task`: inside a task, node_modules/.bin/deno (the npm package's) shadows
# any other and is run as a script, which fails; call the npm package's binary directly when it is
# installed, else the deno on PATH.
if [ -x node_modules/deno/deno ]; then exec node_modules/deno/deno "$@"; fi
exec deno "$@"
