# The two commands of the README. Each installs what it needs first.
.PHONY: demo test build deps test-deps

demo: build
	node bin/muster -C examples/demo up

test: test-deps build
	node --test --test-concurrency=2 build/test/

build: node_modules/.package-lock.json
	npx tsc -p .

node_modules/.package-lock.json: package-lock.json
	npm ci --no-audit --no-fund

test-deps:
	scripts/install-test-deps.sh
