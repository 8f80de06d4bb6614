#!/usr/bin/env bash
# Vendors the umbrella chart's file:// dependency, charts/service (three times, under the
# aliases department, user and point), into charts/backend/charts/ (gitignored). Run it after
# editing a chart, before helm lint, template, install or package. HELM overrides the helm binary.
set -euo pipefail
helm=$(command -v "${HELM:-helm}") || { echo "helm not found (set HELM)" >&2; exit 1; }
case $helm in /*) ;; *) helm="$PWD/$helm" ;; esac
cd "$(dirname "$0")/../charts"
"$helm" dependency update --skip-refresh backend >/dev/null
