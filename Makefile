# The project's commands. Each target installs what it needs by itself:
# Go modules through `go mod download`, Node packages through `npm ci`.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

GO        ?= go
NPM       ?= npm
FUNCTIONS := $(patsubst functions/%/main.go,%,$(wildcard functions/*/main.go))
BUILD_DIR := build
GOARCH_LAMBDA ?= arm64
TEST_TIMEOUT  ?= 30m

# Keep tool caches inside the project folder's ignored .cache, never in $HOME.
export JSII_RUNTIME_PACKAGE_CACHE_ROOT := $(CURDIR)/.cache/jsii
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export CDK_DISABLE_CLI_TELEMETRY := true
export CDK_DISABLE_VERSION_CHECK := 1

.PHONY: help
help: ## List the targets.
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

# --- installing ---------------------------------------------------------

node_modules/.package-lock.json: package.json package-lock.json
	$(NPM) ci --no-audit --no-fund --loglevel=error
	@touch $@

.PHONY: deps
deps: node_modules/.package-lock.json ## Install Go modules and Node packages.
	$(GO) mod download

# --- the two commands ---------------------------------------------------

.PHONY: dev
dev: deps ## Run the whole system locally (Ctrl-C stops everything).
	$(GO) build -o $(BUILD_DIR)/local/dev ./shared/cmd/dev
	exec $(BUILD_DIR)/local/dev

.PHONY: test
test: deps lint ## Run every test, unit and integration (starts and stops its own servers).
	$(GO) test -count=1 -timeout $(TEST_TIMEOUT) ./...

# --- the rest ---------------------------------------------------------

.PHONY: build
build: deps ## Build every function to build/<name>/bootstrap for Lambda (linux/arm64).
	@mkdir -p $(BUILD_DIR)
	@for f in $(FUNCTIONS); do \
	  echo "build $$f"; \
	  GOOS=linux GOARCH=$(GOARCH_LAMBDA) CGO_ENABLED=0 $(GO) build -tags lambda.norpc -trimpath -ldflags='-s -w' \
	    -o $(BUILD_DIR)/$$f/bootstrap ./functions/$$f; \
	done

.PHONY: lint
lint: deps ## gofmt on tracked Go files, then go vet.
	@out=$$(gofmt -l $$(git ls-files '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

.PHONY: bench
bench: deps ## Run the benchmarks.
	$(GO) test -run='^$$' -bench=. -benchmem ./...

.PHONY: dev-reset
dev-reset: ## Forget the local run's data (.data/).
	rm -rf .data

.PHONY: clean
clean: ## Remove build output (keeps the local run's data; see dev-reset).
	rm -rf $(BUILD_DIR) cdk.out
