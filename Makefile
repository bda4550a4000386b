# Make targets are thin: each calls the npm script of the same name.
.DEFAULT_GOAL := help
.PHONY: help install up db-deploy db-migrate db-seed db-verify db-backup db-restore db-url db-port-forward db-psql test typecheck bench e2e

help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z][a-z-]*:.*## / {printf "  make %-12s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

install: ## Install the npm dependencies (npm ci)
	npm ci

up: ## Deploy, migrate, seed and verify: a working database in one command (npm run db:up; ARGS="--target local")
	npm run -s db:up -- $(ARGS)

db-deploy: ## Deploy PostgreSQL to the cluster, or locally (npm run db:deploy; ARGS="--upgrade", "--target local")
	npm run -s db:deploy -- $(ARGS)

db-migrate: ## Apply the migrations in db/migrations (npm run db:migrate; ARGS="status", "rollback --steps 2")
	npm run -s db:migrate -- $(ARGS)

db-seed: ## Seed LearnFlow's starting data from db/seeds (npm run db:seed; ARGS="--update")
	npm run -s db:seed -- $(ARGS)

db-verify: ## Is the database healthy? (npm run db:verify; ARGS="--wait 2m" to pass flags)
	npm run -s db:verify -- $(ARGS)

db-backup: ## Back up the database to backups/ (npm run db:backup; ARGS="list --keep 7")
	npm run -s db:backup -- $(ARGS)

db-restore: ## Restore a backup whole: built in a scratch database, then swapped in (FILE=backups/….dump ARGS=--yes)
	npm run -s db:backup -- restore $(FILE) $(ARGS)

db-url: ## The app's DATABASE_URL, checked to log in (npm run db:url; ARGS="--env --show-secrets")
	npm run -s db:url -- $(ARGS)

db-port-forward: ## The database on 127.0.0.1 (npm run db:port-forward; ARGS="--background" or "--stop")
	npm run -s db:port-forward -- $(ARGS)

db-psql: ## SQL as the app user, read-only unless --write (npm run db:psql; ARGS="-c 'select 1'")
	npm run -s db:psql -- $(ARGS)

test: ## Unit and behaviour tests on the simulated cluster (npm test)
	npm test

typecheck: ## Type-check every TypeScript file (npm run typecheck)
	npm run typecheck

bench: ## Benchmarks against the simulated cluster (npm run bench)
	npm run bench

e2e: ## The whole flow on the cluster your kubeconfig points at, in a namespace of its own (npm run test:e2e; ARGS=--keep)
	npm run -s test:e2e -- $(ARGS)
