# The two commands of the README. Each installs what it needs first.
.PHONY: demo test build deps test-deps

demo: build
	bin/muster -C examples/demo up

# Only *.test.js: given a folder, node --test would also "run" the support modules as empty tests.
test: test-deps build
	node --test --test-concurrency=2 $$(find build/test -name '*.test.js' | sort)

build: node_modules/.package-lock.json
	npx tsc -p .

node_modules/.package-lock.json: package-lock.json
	npm ci --no-audit --no-fund

test-deps:
	scripts/install-test-deps.sh
