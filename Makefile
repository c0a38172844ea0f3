# The project's commands. Each target installs what it needs by itself:
# Go modules through `go mod download`, Node packages through `npm ci`.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

GO        ?= go
NPM       ?= npm
FUNCTIONS := $(patsubst functions/%/main.go,%,$(wildcard functions/*/main.go))
BUILD_DIR := build
# go build relinks only a binary whose inputs changed when the previous one
# is still at its -o path: builds link here, kept between runs.
LINK_DIR  := .cache/link
GOARCH_LAMBDA ?= arm64
TEST_TIMEOUT  ?= 30m
# Test binaries `make test` runs at once (go test's -p; most wait on
# servers, browsers and processes more than they compute).
TEST_PARALLEL ?= 4

# The CDK CLI (from package.json), the stage to synthesise or deploy (cdk.json's
# "stage" unless STAGE=... is given) and its stack.
CDK       := node node_modules/aws-cdk/bin/cdk
CDK_FLAGS ?= --no-notices
STAGE     ?= $(shell node -p "require('./cdk.json').context.stage || 'dev'")
STACK     = TwitterCases-$(STAGE)
# Extra flags for `cdk deploy`, e.g. CDK_DEPLOY_FLAGS='-c alarmEmail=ops@example.com'.
CDK_DEPLOY_FLAGS ?=
# `make diff` compares against this template instead of the deployed stack.
DIFF_TEMPLATE ?=

# AWS's Lambda Runtime Interface Emulator, for the tests that run the built
# functions as Lambda does (infra/rie); installed into the project.
RIE_VERSION := v0.0.0-20261030222936-bef5c4ba774d
RIE         := .cache/bin/rie-$(RIE_VERSION)/aws-lambda-rie

# Keep tool caches inside the project folder's ignored .cache, never in $HOME.
export JSII_RUNTIME_PACKAGE_CACHE_ROOT := $(CURDIR)/.cache/jsii
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export CDK_DISABLE_CLI_TELEMETRY := true
export CDK_DISABLE_VERSION_CHECK := 1
export CDK_HOME := $(CURDIR)/.cache/cdk
# Compiled X Chat engine code, kept between test processes (shared/xchat).
export XCHAT_WAZERO_CACHE_DIR := $(CURDIR)/.cache/wazero

.PHONY: help
help: ## List the targets.
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

# --- installing ---------------------------------------------------------

node_modules/.package-lock.json: package.json package-lock.json $(wildcard patches/*)
	$(NPM) ci --no-audit --no-fund --loglevel=error
	@touch $@

.PHONY: deps
deps: node_modules/.package-lock.json ## Install Go modules and Node packages.
	$(GO) mod download

$(RIE):
	GOBIN=$(CURDIR)/$(dir $(RIE)) $(GO) install github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie@$(RIE_VERSION)

# --- the agent console ---------------------------------------------------

# The console (web/console) is static files: our own ES modules plus three
# vendored from node_modules (Preact, its hooks, htm), copied here with no
# bundler. hooks.mjs imports the bare name "preact", which browsers cannot
# resolve without an import map (an inline script the CSP would have to
# allow), so the copy points it at the file next to it, and the step fails
# if any bare import is left.
CONSOLE_DIR := $(BUILD_DIR)/web
CONSOLE_SRC := $(shell find web/console/index.html web/console/app -type f 2>/dev/null)

$(CONSOLE_DIR)/.built: $(CONSOLE_SRC) node_modules/.package-lock.json
	rm -rf $(CONSOLE_DIR) && mkdir -p $(CONSOLE_DIR)/app/vendor
	cp web/console/index.html $(CONSOLE_DIR)/
	cp -R web/console/app/. $(CONSOLE_DIR)/app/
	cp node_modules/preact/dist/preact.mjs node_modules/htm/dist/htm.mjs $(CONSOLE_DIR)/app/vendor/
	sed 's#from"preact"#from"./preact.mjs"#g' node_modules/preact/hooks/dist/hooks.mjs > $(CONSOLE_DIR)/app/vendor/hooks.mjs
	@if grep -HoE '(from|import)[ ]*"[^./][^"]*"' $(CONSOLE_DIR)/app/vendor/*.mjs; then \
	  echo "console: a vendored module still imports a bare name (above)"; exit 1; fi
	@touch $@

.PHONY: console
console: $(CONSOLE_DIR)/.built ## Assemble the agent console into build/web (served by make dev, deployed by the stack).

# --- the two commands ---------------------------------------------------

.PHONY: dev
dev: deps console ## Run the whole system locally (Ctrl-C stops everything).
	$(GO) build -o $(BUILD_DIR)/local/dev ./shared/dev/cmd/dev
	exec $(BUILD_DIR)/local/dev

.PHONY: test
test: deps lint build build-host console $(RIE) ## Run every test, unit and integration (starts and stops its own servers; the browser tests need Chromium, see web/console).
	@# The CDK app's first build takes minutes: done here, the stack test's
	@# cdk synth (go run ./infra) finds it in the build cache.
	$(GO) build -o $(LINK_DIR)/infra ./infra
	@# go test ./... as it runs, with each package's test binary kept in
	@# .cache/test and relinked only when it changed (shared/dev/cmd/testrun).
	LAMBDA_RIE=$(CURDIR)/$(RIE) LAMBDA_BUILD_DIR=$(CURDIR)/$(BUILD_DIR) LAMBDA_HOST_BUILD_DIR=$(CURDIR)/$(BUILD_DIR)/host \
	  $(GO) run ./shared/dev/cmd/testrun -p $(TEST_PARALLEL) -timeout $(TEST_TIMEOUT) ./...

# --- the rest ---------------------------------------------------------

# Both link into $(LINK_DIR)/<target>, kept between runs, and copy what
# changed to <dir>/<name>/bootstrap.

# $(call place,linkdir,builddir): each function's binary to builddir/<name>/bootstrap.
place = for f in $(FUNCTIONS); do mkdir -p $(2)/$$f; cmp -s $(1)/$$f $(2)/$$f/bootstrap || cp $(1)/$$f $(2)/$$f/bootstrap; done

.PHONY: build
build: deps ## Build every function to build/<name>/bootstrap for Lambda (linux/arm64).
	@# One go build for all of them links them in parallel.
	@mkdir -p $(LINK_DIR)/lambda
	GOOS=linux GOARCH=$(GOARCH_LAMBDA) CGO_ENABLED=0 $(GO) build -tags lambda.norpc -trimpath -ldflags='-s -w' \
	  -o $(LINK_DIR)/lambda/ $(addprefix ./functions/,$(FUNCTIONS))
	@$(call place,$(LINK_DIR)/lambda,$(BUILD_DIR))

.PHONY: build-host
build-host: deps ## Build every function for this machine (the emulator tests and the bench run them) to build/host/<name>/bootstrap.
	@mkdir -p $(LINK_DIR)/host
	CGO_ENABLED=0 $(GO) build -tags lambda.norpc -trimpath -ldflags='-s -w' \
	  -o $(LINK_DIR)/host/ $(addprefix ./functions/,$(FUNCTIONS))
	@$(call place,$(LINK_DIR)/host,$(BUILD_DIR)/host)

.PHONY: lint
lint: deps ## gofmt on tracked Go files, then go vet.
	@out=$$(gofmt -l $$(git ls-files '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

.PHONY: bench
bench: deps build build-host $(RIE) ## Measure issue 13's figures against their anchors, one table, under 10 minutes (BENCH_QUICK=1: a smoke run of about 10 s).
	LAMBDA_RIE=$(CURDIR)/$(RIE) LAMBDA_BUILD_DIR=$(CURDIR)/$(BUILD_DIR) LAMBDA_HOST_BUILD_DIR=$(CURDIR)/$(BUILD_DIR)/host $(GO) run ./shared/dev/cmd/bench

# --- AWS ----------------------------------------------------------------

.PHONY: synth
synth: deps build console ## Synthesise the stack offline into cdk.out, checked by cdk-nag (STAGE=... picks the stage).
	$(CDK) synth $(CDK_FLAGS) --quiet -c stage=$(STAGE) $(STACK)
	@echo "template:      cdk.out/$(STACK).template.json"
	@echo "cdk-nag report: $$(ls cdk.out/AwsSolutions-*$(STACK)-NagReport.csv)"
	@if grep -q '"Non-Compliant"' cdk.out/AwsSolutions-*$(STACK)-NagReport.csv; then \
	  echo "cdk-nag: non-compliant rules above"; exit 1; else echo "cdk-nag: no non-compliant rule"; fi

.PHONY: diff
diff: deps build console ## Show what a deploy would change: against the deployed stack, or offline (no AWS credentials, or DIFF_TEMPLATE=file) against the last synth.
	@base='$(DIFF_TEMPLATE)'; \
	if [ -z "$$base" ] && ! { [ -n "$${AWS_PROFILE:-}$${AWS_ACCESS_KEY_ID:-}$${AWS_WEB_IDENTITY_TOKEN_FILE:-}$${AWS_CONTAINER_CREDENTIALS_FULL_URI:-}$${AWS_CONTAINER_CREDENTIALS_RELATIVE_URI:-}" ] || \
	    [ -f "$${AWS_SHARED_CREDENTIALS_FILE:-$$HOME/.aws/credentials}" ] || [ -f "$${AWS_CONFIG_FILE:-$$HOME/.aws/config}" ]; }; then \
	  base=.cache/diff/$(STACK).template.json; mkdir -p .cache/diff; \
	  if [ -f cdk.out/$(STACK).template.json ]; then cp cdk.out/$(STACK).template.json "$$base"; else echo '{}' > "$$base"; fi; \
	  echo "No AWS credentials: diff against $$base (the last synth; empty if none). DIFF_TEMPLATE=file picks another."; \
	fi; \
	if [ -n "$$base" ]; then \
	  $(CDK) diff $(CDK_FLAGS) -c stage=$(STAGE) --template "$$base" $(STACK); \
	else \
	  $(CDK) diff $(CDK_FLAGS) -c stage=$(STAGE) $(STACK); \
	fi

.PHONY: deploy
deploy: deps build console ## Build every function and the console, then `cdk deploy` the stage's stack (needs AWS credentials and `cdk bootstrap`).
	$(CDK) deploy $(CDK_FLAGS) -c stage=$(STAGE) $(CDK_DEPLOY_FLAGS) $(STACK)

# --- X webhook, subscriptions and replay (ops/xops) --------------------------

# The ops commands read the stage's settings as the functions do; a setting
# not in the environment comes from the deployed stack's outputs (aws CLI),
# and X_WEBHOOK_ID from cdk.json's xWebhookId (else X is asked for the
# webhook of WEBHOOK_URL).
# XOPS_CMD runs the command (the tests give it an already built one).
XOPS_CMD ?= $(GO) run ./ops/xops
stack_output = $(shell aws cloudformation describe-stacks --stack-name $(STACK) --query "Stacks[0].Outputs[?OutputKey=='$(1)'].OutputValue" --output text 2>/dev/null)
XOPS = STAGE='$(STAGE)' \
  TABLE_NAME='$(or $(TABLE_NAME),$(call stack_output,TableName))' \
  X_APP_SECRET='$(or $(X_APP_SECRET),$(call stack_output,XAppSecretName))' \
  WEBHOOK_URL='$(or $(WEBHOOK_URL),$(call stack_output,WebhookUrl))' \
  X_WEBHOOK_ID='$(or $(X_WEBHOOK_ID),$(shell node -p "require('./cdk.json').context.xWebhookId || ''"))' \
  X_CHAT_KEY_PREFIX='$(or $(X_CHAT_KEY_PREFIX),$(call stack_output,XChatKeySecretPrefix))' \
  $(XOPS_CMD)

.PHONY: x-webhook
x-webhook: ## Register the stage's webhook URL with X if missing, run the CRC check, print its id and validity.
	$(XOPS) webhook

.PHONY: x-subscriptions
x-subscriptions: ## Every brand handle's X subscriptions against what it should have; create the missing (PRUNE=1 deletes extras).
	$(XOPS) subscriptions $(if $(PRUNE),--prune)

.PHONY: x-chat-keys
x-chat-keys: ## A brand handle's X Chat keys: HANDLE=name provisions them (kept if X has them); ROTATE=1 new version; IMPORT=blob.b64 VERSION=v the brand's own; FORCE=1 over keys X holds.
	@if [ -z '$(HANDLE)' ]; then echo 'usage: make x-chat-keys HANDLE=AcmeSupport [ROTATE=1 | IMPORT=blob.b64 VERSION=v] [FORCE=1]'; exit 2; fi
	$(XOPS) chat-keys --handle '$(HANDLE)' $(if $(ROTATE),--rotate) $(if $(FORCE),--force) $(if $(IMPORT),--import '$(IMPORT)' --version '$(VERSION)')

.PHONY: x-compliance
x-compliance: ## Run X's batch compliance sweep now and wait until it completes (against the local run: DYNAMODB_ENDPOINT, X_API_BASE_URL, X_APP_SECRET of make dev).
	$(XOPS) compliance --wait

.PHONY: x-replay
x-replay: ## Ask X to redeliver FROM=yyyymmddhhmm TO=yyyymmddhhmm (UTC) to the webhook, after an outage.
	@if [ -z '$(FROM)' ] || [ -z '$(TO)' ]; then echo 'usage: make x-replay FROM=yyyymmddhhmm TO=yyyymmddhhmm (UTC)'; exit 2; fi
	$(XOPS) replay --from '$(FROM)' --to '$(TO)'

.PHONY: customers-reindex
customers-reindex: ## Write every customer's search look-ups again in the current key form (once after an upgrade that changes it; safe to repeat).
	$(XOPS) reindex-customers

# --- local data -----------------------------------------------------------

.PHONY: dev-reset
dev-reset: ## Forget the local run's data (.data/: the store and the X simulator's state).
	rm -rf .data

.PHONY: clean
clean: ## Remove build output (keeps the local run's data; see dev-reset).
	rm -rf $(BUILD_DIR) cdk.out
